using System.Runtime.Versioning;
using Labeling.Adapters.Local.Hosting;
using Microsoft.Extensions.Options;

namespace Labeling.Adapters.Local.Tests.Hosting;

/// <summary>
/// The data folder holds every text, label and vote and the signing key: the server creates it for its owner only,
/// and leaves a folder the user made as the user made it (security probe 3, F5).
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class DataFolderLockTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("labeling-lock-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [UnixFact]
    public void Take_NoDataFolderYet_CreatesItForItsOwnerOnly()
    {
        var data = Path.Combine(_folder, "data");
        using var folderLock = new DataFolderLock(Options.Create(new LocalStorageOptions { DataDirectory = data }));

        folderLock.Take();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(data));
    }

    [UnixFact]
    public void Take_DataFolderTheUserMade_LeavesItsModeAlone()
    {
        var data = Path.Combine(_folder, "shared-data");
        const UnixFileMode userMade = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;
        Directory.CreateDirectory(data, userMade);
        using var folderLock = new DataFolderLock(Options.Create(new LocalStorageOptions { DataDirectory = data }));

        folderLock.Take();

        Assert.Equal(userMade, File.GetUnixFileMode(data));
    }
}
