using Labeling.Adapters.Local.Inbox;
using Microsoft.Extensions.Options;

namespace Labeling.Adapters.Local.Tests.Inbox;

/// <summary>
/// A deleted project's folders in the data folder go, and what a link in them points at stays and is not counted: whoever
/// drops files into <c>inbox/{id}/</c> can drop a link there too.
/// </summary>
public sealed class FolderProjectFilesTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("labeling-files-").FullName;
    private readonly string _outside = Directory.CreateTempSubdirectory("labeling-outside-").FullName;

    public void Dispose()
    {
        Directory.Delete(_data, recursive: true);
        Directory.Delete(_outside, recursive: true);
    }

    [Fact]
    public async Task DeleteAsync_ALinkInTheInboxFolder_CountsAndDeletesTheProjectsFilesOnly()
    {
        var elsewhere = Directory.CreateDirectory(Path.Combine(_outside, "elsewhere")).FullName;
        foreach (var name in new[] { "one.csv", "two.csv", "three.csv" })
        {
            await File.WriteAllTextAsync(Path.Combine(elsewhere, name), "text\nnot the project's\n");
        }

        var inbox = Directory.CreateDirectory(Path.Combine(_data, "inbox", "doomed")).FullName;
        await File.WriteAllTextAsync(Path.Combine(inbox, "dropped.csv"), "text\na comment\n");
        Directory.CreateSymbolicLink(Path.Combine(inbox, "elsewhere"), elsewhere);
        var quarantine = Directory.CreateDirectory(Path.Combine(_data, "quarantine", "doomed")).FullName;
        await File.WriteAllTextAsync(Path.Combine(quarantine, "bad.pdf"), "not a pdf");
        await File.WriteAllTextAsync(Path.Combine(quarantine, "bad.pdf.reason.txt"), "not a pdf");
        var files = new FolderProjectFiles(Options.Create(new LocalStorageOptions { DataDirectory = _data }));

        var deleted = await files.DeleteAsync("doomed", CancellationToken.None);

        Assert.Equal(3, deleted);
        Assert.False(Directory.Exists(inbox));
        Assert.False(Directory.Exists(quarantine));
        Assert.Equal(3, Directory.GetFiles(elsewhere).Length);
    }
}
