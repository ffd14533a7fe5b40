using Labeling.Application.Ports;
using Microsoft.Extensions.Options;

namespace Labeling.Adapters.Local.Inbox;

/// <summary>
/// A deleted project's folders in the data folder (<see cref="IProjectFiles"/>): <c>inbox/{id}/</c> (files dropped but not
/// yet read), <c>uploads/{id}/</c>, <c>processed/{id}/</c>, <c>quarantine/{id}/</c> (documents and their reasons) and
/// <c>reports/drift/{id}/</c>.
/// </summary>
public sealed class FolderProjectFiles : IProjectFiles
{
    private static readonly string[][] Folders = [["inbox"], ["uploads"], ["processed"], ["quarantine"], ["reports", "drift"]];

    // Links are neither counted nor followed, as Directory.Delete removes a link and not what it points at: whoever drops
    // files into inbox/{id}/ can drop a link there, and one to / had the count walk the whole disk and fail, every time, on
    // the first folder the server may not read.
    private static readonly EnumerationOptions ProjectFilesOnly = new()
    {
        RecurseSubdirectories = true,
        AttributesToSkip = FileAttributes.ReparsePoint,
        IgnoreInaccessible = false,
    };

    private readonly LocalStorageOptions _storage;

    /// <summary>Creates the service.</summary>
    /// <param name="storage">The data folder.</param>
    public FolderProjectFiles(IOptions<LocalStorageOptions> storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _storage = storage.Value;
    }

    /// <inheritdoc />
    public Task<int> DeleteAsync(string projectId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(projectId);
        var deleted = 0;
        foreach (var parent in Folders)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Project ids are lowercase letters, digits and '-', so the folder's name is the id itself.
            var folder = _storage.PathOf([.. parent, FolderDocumentSource.Safe(projectId)]);
            if (!Directory.Exists(folder))
            {
                continue;
            }

            try
            {
                var files = Directory.EnumerateFiles(folder, "*", ProjectFilesOnly).Count();
                Directory.Delete(folder, recursive: true);
                deleted += files;
            }
            catch (DirectoryNotFoundException)
            {
                // Deleted meanwhile (two purges of one project at once).
            }
        }

        return Task.FromResult(deleted);
    }
}
