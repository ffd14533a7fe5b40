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

    [UnixFact]
    public void LoadOrCreate_ManyAtOnceOnAFreshFolder_AllLoadTheSameKey_AndLeaveNothingElse()
    {
        // The process that lost the race to create the key read the winner's file before it was written: an empty key,
        // an abort with a stack trace (2 of 200 rounds of four, an auth review measured). A crash in between left the
        // empty key for good.
        for (var round = 0; round < 5; round++)
        {
            var path = Path.Combine(_folder, $"r{round}", "keys", "signing-key.pem");
            using var start = new Barrier(4);
            var ids = new string?[4];
            var errors = new Exception?[4];
            var threads = Enumerable.Range(0, 4).Select(i => new Thread(() =>
            {
                start.SignalAndWait();
                errors[i] = Record.Exception(() => ids[i] = LocalSigningKey.LoadOrCreate(path).Key.KeyId);
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());

            Assert.All(errors, Assert.Null);
            Assert.Single(ids.Distinct());
            Assert.Equal(["signing-key.pem"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
            Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(path));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nMIIE")]
    public void LoadOrCreate_EmptyOrDamagedKeyFile_FailsWithAnErrorNamingTheFileAndWhatToDo(string content)
    {
        var path = Path.Combine(_folder, "keys", "signing-key.pem");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);

        var error = Assert.Throws<InvalidOperationException>(() => LocalSigningKey.LoadOrCreate(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("Delete it to have a new key made", error.Message, StringComparison.Ordinal);
        Assert.Equal(content, File.ReadAllText(path)); // left for the owner to look at
    }

    [Fact]
    public void LoadOrCreate_APublicKeyOnly_IsRefused()
    {
        // It loaded, and the token command failed with a stack trace when it signed (a review found it).
        var path = Path.Combine(_folder, "keys", "signing-key.pem");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var rsa = System.Security.Cryptography.RSA.Create(2048))
        {
            File.WriteAllText(path, rsa.ExportSubjectPublicKeyInfoPem());
        }

        var error = Assert.Throws<InvalidOperationException>(() => LocalSigningKey.LoadOrCreate(path));

        Assert.Contains("public key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadOrCreate_AShortRsaKey_IsRefused()
    {
        var path = Path.Combine(_folder, "keys", "signing-key.pem");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var rsa = System.Security.Cryptography.RSA.Create(1024))
        {
            File.WriteAllText(path, rsa.ExportPkcs8PrivateKeyPem());
        }

        var error = Assert.Throws<InvalidOperationException>(() => LocalSigningKey.LoadOrCreate(path));

        Assert.Contains("1024 bits", error.Message, StringComparison.Ordinal);
    }

    private ILogger Logger() => _logs.CreateLogger(typeof(LocalSigningKey).FullName!);
}
