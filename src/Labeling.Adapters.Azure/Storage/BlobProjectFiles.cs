using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Labeling.Application.Ports;

namespace Labeling.Adapters.Azure.Storage;

/// <summary>
/// A deleted project's blobs (<see cref="IProjectFiles"/>): <c>{id}/</c> in the documents and quarantine containers (its
/// uploads and the files Ingest set aside, with their reasons) and <c>drift/{id}/</c> in the reports container. Blob soft
/// delete (seven days in the Bicep) keeps them recoverable for that long.
/// </summary>
public sealed class BlobProjectFiles : IProjectFiles
{
    // Deletes in flight at once: each is one request.
    private const int Parallel = 16;

    private readonly (BlobContainerClient Container, string Folder)[] _folders;

    /// <summary>Creates the service.</summary>
    /// <param name="clients">The storage clients.</param>
    /// <param name="options">The containers' names.</param>
    public BlobProjectFiles(StorageClients clients, StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(options);
        _folders =
        [
            (clients.Blobs.GetBlobContainerClient(options.DocumentsContainer), string.Empty),
            (clients.Blobs.GetBlobContainerClient(options.QuarantineContainer), string.Empty),
            (clients.Blobs.GetBlobContainerClient(options.ReportsContainer), "drift/"),
        ];
    }

    /// <inheritdoc />
    public async Task<int> DeleteAsync(string projectId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(projectId);
        var deleted = 0;
        foreach (var (container, folder) in _folders)
        {
            // The trailing '/' keeps project 'spam' from taking 'spam-2''s blobs.
            var prefix = $"{folder}{projectId}/";
            try
            {
                // A page at a time (the listing's own pages, up to 5,000 names), deleted before the next is read.
                await foreach (var page in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken).AsPages().ConfigureAwait(false))
                {
                    await System.Threading.Tasks.Parallel.ForEachAsync(
                        page.Values,
                        new ParallelOptions { MaxDegreeOfParallelism = Parallel, CancellationToken = cancellationToken },
                        async (blob, ct) =>
                        {
                            if ((await container.DeleteBlobIfExistsAsync(blob.Name, DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: ct).ConfigureAwait(false)).Value)
                            {
                                Interlocked.Increment(ref deleted);
                            }
                        }).ConfigureAwait(false);
                }
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // No such container (never written to): nothing of the project is in it.
            }
        }

        return deleted;
    }
}
