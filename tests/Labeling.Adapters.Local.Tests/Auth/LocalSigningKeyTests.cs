using System.Runtime.Versioning;
using Labeling.Adapters.Local.Auth;
using Labeling.TestSupport.Logging;
using Microsoft.Extensions.Logging;

namespace Labeling.Adapters.Local.Tests.Auth;

/// <summary>
/// Whoever reads the signing key can mint Admin tokens: it is created for its owner only, in folders only the owner
/// can open, and a key file others can read is reported (security probe 3, F5).
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class LocalSigningKeyTests : IDisposable
{
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly string _folder = Directory.CreateTempSubdirectory("labeling-key-").FullName;
    private readonly LogCollector _logs = new();

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [UnixFact]
    public void LoadOrCreate_NoDataFolderYet_KeyAndTheFoldersItCreatesAreTheOwnersOnly()
    {
        var data = Path.Combine(_folder, "data");
        var path = Path.Combine(data, "keys", "signing-key.pem");

        var key = LocalSigningKey.LoadOrCreate(path, Logger());

        Assert.Equal(path, key.FilePath);
        Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(path));
        Assert.Equal(OwnerOnlyFolder, File.GetUnixFileMode(Path.Combine(data, "keys")));
        Assert.Equal(OwnerOnlyFolder, File.GetUnixFileMode(data));
        Assert.Empty(_logs.Records);
    }

    [UnixFact]
    public void LoadOrCreate_ExistingKeyOthersCanRead_LoadsItAndWarnsWithEvent1003()
    {
        var path = Path.Combine(_folder, "keys", "signing-key.pem");
        var created = LocalSigningKey.LoadOrCreate(path);
        File.SetUnixFileMode(path, OwnerOnlyFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var loaded = LocalSigningKey.LoadOrCreate(path, Logger());

        Assert.Equal(created.Key.KeyId, loaded.Key.KeyId);
        var warning = Assert.Single(_logs.Records);
        Assert.Equal((LogLevel.Warning, 1003), (warning.Level, warning.EventId.Id));
        Assert.Equal(path, warning.State["KeyFile"]);
        Assert.Equal("0644", warning.State["Mode"]);
        Assert.Contains("chmod 600", warning.Message, StringComparison.Ordinal);
    }

    [UnixFact]
    public void LoadOrCreate_ExistingKeyOwnerOnly_LoadsItWithoutAWord()
    {
        var path = Path.Combine(_folder, "keys", "signing-key.pem");
        var created = LocalSigningKey.LoadOrCreate(path);

        var loaded = LocalSigningKey.LoadOrCreate(path, Logger());

        Assert.Equal(created.Key.KeyId, loaded.Key.KeyId);
        Assert.Empty(_logs.Records);
    }

    private ILogger Logger() => _logs.CreateLogger(typeof(LocalSigningKey).FullName!);
}
