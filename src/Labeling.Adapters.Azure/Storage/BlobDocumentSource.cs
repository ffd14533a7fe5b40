using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Labeling.Application.Ports;
using Labeling.Domain.Documents;
using Microsoft.Extensions.Logging;

namespace Labeling.Adapters.Azure.Storage;

/// <summary>
/// The document container in Blob Storage: files arrive as <c>documents/{projectId}/{fileName}</c>
/// (dropped, or saved by the upload endpoint) and the <c>Ingest</c> blob trigger processes them.
/// </summary>
/// <remarks>
/// Ingested files stay where they are, marked with the metadata <c>labelingstatus=ingested</c>: the
/// drop zone doubles as the archive, and a copy elsewhere would only fire Event Grid again.
/// Quarantined files are moved to <c>quarantine/{projectId}/{fileName}</c> with the reason in the
/// metadata <c>labelingreason</c> (URL-encoded: metadata is ASCII) and in a readable
/// <c>{fileName}.reason.txt</c> next to it. Moving is a streamed download and upload: a server-side copy
/// between private blobs would need a second authorization under Entra ID.
/// A file the upload endpoint saves carries <c>labelingupload</c>, the name it was sent under (URL-encoded), so that
/// the <c>Ingest</c> trigger Event Grid fires for it leaves it to the request that saved it (<see cref="UploadedFileName"/>).
/// </remarks>
public sealed partial class BlobDocumentSource : IDocumentSource
{
    /// <summary>Metadata key that marks a processed file.</summary>
    public const string StatusMetadata = "labelingstatus";

    /// <summary>Metadata key that carries the quarantine reason (URL-encoded).</summary>
    public const string ReasonMetadata = "labelingreason";

    /// <summary>Metadata key that marks a file the upload endpoint saved, with the name it was sent under (URL-encoded).</summary>
    public const string UploadMetadata = "labelingupload";

    private readonly BlobContainerClient _documents;
    private readonly BlobContainerClient _quarantine;
    private readonly ILogger<BlobDocumentSource> _logger;

    /// <summary>Creates the source.</summary>
    /// <param name="clients">The storage clients.</param>
    /// <param name="options">Container names.</param>
    /// <param name="logger">The logger.</param>
    public BlobDocumentSource(StorageClients clients, StorageOptions options, ILogger<BlobDocumentSource> logger)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(options);
        _documents = clients.Blobs.GetBlobContainerClient(options.DocumentsContainer);
        _quarantine = clients.Blobs.GetBlobContainerClient(options.QuarantineContainer);
        _logger = logger;
    }

    /// <summary>The blob name a project's file has in the documents container.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="fileName">The file name.</param>
    /// <returns><c>{projectId}/{fileName}</c>.</returns>
    public static string BlobNameFor(string projectId, string fileName) => $"{projectId}/{fileName}";

    /// <summary>Creates the two containers if they are missing (emulator and first runs; Bicep creates them in Azure).</summary>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <returns>A task.</returns>
    public async Task EnsureContainersAsync(CancellationToken cancellationToken)
    {
        await _documents.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await _quarantine.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Never over an existing blob: an earlier upload of the same name is the stored file of its own document (ingested
    /// files stay in place), and two uploads of one name at once would each ingest whichever bytes were written last. The
    /// blob keeps the file's name when it is free, else the name with a unique suffix (<c>comments-3f2a91c4d5e6.csv</c>); the
    /// document keeps the name as sent.
    /// </remarks>
    public async Task<StoredDocument> SaveUploadAsync(string projectId, string fileName, Stream content, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(projectId);
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        ArgumentNullException.ThrowIfNull(content);
        var file = Path.GetFileName(fileName);
        var start = content.CanSeek ? content.Position : -1;
        // A stream that cannot be rewound gets one try, so it goes straight to a unique name.
        var name = BlobNameFor(projectId, start < 0 ? Unique(file) : file);
        var blob = _documents.GetBlobClient(name);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await blob.UploadAsync(content, new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                    Metadata = new Dictionary<string, string> { [UploadMetadata] = Uri.EscapeDataString(file) },
                }, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && start >= 0 && attempt < 3)
            {
                content.Position = start;
                name = BlobNameFor(projectId, Unique(file));
                blob = _documents.GetBlobClient(name);
            }
        }

        var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return new StoredDocument(projectId, file, name, properties.Value.ContentLength);
    }

    private static string Unique(string fileName) =>
        $"{Path.GetFileNameWithoutExtension(fileName)}-{Guid.NewGuid().ToString("N")[..12]}{Path.GetExtension(fileName)}";

    /// <inheritdoc />
    public async IAsyncEnumerable<StoredDocument> ListInboxAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var blob in _documents.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, prefix: null, cancellationToken).ConfigureAwait(false))
        {
            if (blob.Metadata.ContainsKey(StatusMetadata) || TryParse(blob.Name) is not { } parsed)
            {
                continue;
            }

            yield return new StoredDocument(parsed.ProjectId, parsed.FileName, blob.Name, blob.Properties.ContentLength ?? 0);
        }
    }

    /// <inheritdoc />
    public async Task<Stream?> OpenReadAsync(StoredDocument document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        try
        {
            return await _documents.GetBlobClient(document.Location).OpenReadAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Gone: an earlier delivery of the same event already quarantined it.
            return null;
        }
    }

    /// <inheritdoc />
    public async Task ArchiveAsync(StoredDocument document, DocumentStatus status, string? reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        var source = _documents.GetBlobClient(document.Location);
        if (status == DocumentStatus.Ingested)
        {
            try
            {
                await source.SetMetadataAsync(new Dictionary<string, string> { [StatusMetadata] = "ingested" }, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                LogAlreadyGone(_logger, document.Location);
            }

            return;
        }

        var text = reason ?? "No reason was recorded.";
        Stream content;
        try
        {
            // Streamed, a block at a time: a file quarantined for its size (over the ingestion limit, any size) is never held
            // in memory whole.
            content = await source.OpenReadAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            LogAlreadyGone(_logger, document.Location);
            return;
        }

        var target = _quarantine.GetBlobClient(document.Location);
        await using (content.ConfigureAwait(false))
        {
            await target.UploadAsync(content, new BlobUploadOptions
            {
                Metadata = new Dictionary<string, string>
                {
                    [StatusMetadata] = "quarantined",
                    [ReasonMetadata] = Uri.EscapeDataString(text),
                },
            }, cancellationToken).ConfigureAwait(false);
        }
        await _quarantine.GetBlobClient(document.Location + ".reason.txt")
            .UploadAsync(BinaryData.FromString(text + "\n"), overwrite: true, cancellationToken).ConfigureAwait(false);
        await source.DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        LogQuarantined(_logger, document.Location, _quarantine.Name);
    }

    /// <summary>The name a file the upload endpoint saved was sent under, or null for a file dropped into the container.</summary>
    /// <param name="metadata">The blob's metadata.</param>
    /// <returns>The name, or null.</returns>
    public static string? UploadedFileName(IDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return metadata.TryGetValue(UploadMetadata, out var name) && name.Length > 0 ? Uri.UnescapeDataString(name) : null;
    }

    /// <summary>Reads the quarantine reason of a quarantined file.</summary>
    /// <param name="location">The file's blob name.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The reason, or null when the file is not in quarantine.</returns>
    public async Task<string?> ReadQuarantineReasonAsync(string location, CancellationToken cancellationToken)
    {
        try
        {
            var properties = await _quarantine.GetBlobClient(location).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return properties.Value.Metadata.TryGetValue(ReasonMetadata, out var reason) ? Uri.UnescapeDataString(reason) : null;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>The project and file name of a blob in the documents container, from <c>{projectId}/{fileName}</c>.</summary>
    /// <param name="blobName">The blob name.</param>
    /// <returns>Both parts, or null for a blob outside a project's folder.</returns>
    internal static (string ProjectId, string FileName)? TryParse(string blobName)
    {
        var slash = blobName.IndexOf('/', StringComparison.Ordinal);
        return slash <= 0 || slash == blobName.Length - 1 ? null : (blobName[..slash], blobName[(slash + 1)..]);
    }

    [LoggerMessage(EventId = 8001, Level = LogLevel.Warning, Message = "Document blob {Location} was moved to container {Container}")]
    private static partial void LogQuarantined(ILogger logger, string location, string container);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Debug, Message = "Document blob {Location} is already gone; nothing to archive")]
    private static partial void LogAlreadyGone(ILogger logger, string location);
}
