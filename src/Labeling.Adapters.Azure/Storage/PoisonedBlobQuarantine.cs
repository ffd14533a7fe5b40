using Azure;
using Azure.Storage.Blobs;
using Labeling.Application.Documents;
using Labeling.Application.Ingestion;
using Labeling.Application.Ports;
using Microsoft.Extensions.Logging;

namespace Labeling.Adapters.Azure.Storage;

/// <summary>
/// Sets aside a file the <c>Ingest</c> blob trigger failed on at every attempt, as the local inbox sets aside a file whose
/// ingest message was poisoned (event 6105): quarantined with a reason, without parsing it, through
/// <see cref="DocumentIngestion.SetAsideAsync"/>. The project's document list then shows the file and why, and the file
/// waits in <c>quarantine/</c> instead of sitting in <c>documents/</c> with no record.
/// </summary>
/// <remarks>
/// Only the version that failed is set aside: a blob replaced since (another ETag) raised its own <c>BlobCreated</c>
/// event and is Ingest's again. The check and the move are not atomic; a replacement written between the two is
/// quarantined with this reason, and uploading it again ingests it.
/// </remarks>
public sealed partial class PoisonedBlobQuarantine
{
    private readonly BlobContainerClient _documents;
    private readonly DocumentIngestion _ingestion;
    private readonly ILogger<PoisonedBlobQuarantine> _logger;

    /// <summary>Creates the step.</summary>
    /// <param name="clients">The storage clients.</param>
    /// <param name="options">The documents container's name.</param>
    /// <param name="ingestion">The ingest step, which quarantines.</param>
    /// <param name="logger">The logger.</param>
    public PoisonedBlobQuarantine(StorageClients clients, StorageOptions options, DocumentIngestion ingestion, ILogger<PoisonedBlobQuarantine> logger)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(options);
        _documents = clients.Blobs.GetBlobContainerClient(options.DocumentsContainer);
        _ingestion = ingestion;
        _logger = logger;
    }

    /// <summary>Quarantines the file a poison message names, if it is still the version that failed.</summary>
    /// <param name="blob">The poison message.</param>
    /// <param name="cancellationToken">Cancels the step.</param>
    /// <returns>What was done.</returns>
    public async Task<PoisonedBlobOutcome> SetAsideAsync(PoisonedBlob blob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        if (!string.Equals(blob.ContainerName, _documents.Name, StringComparison.Ordinal)
            || BlobDocumentSource.TryParse(blob.BlobName) is not { } name)
        {
            LogNotADocument(_logger, blob.ContainerName, blob.BlobName);
            return PoisonedBlobOutcome.NotADocument;
        }

        long length;
        try
        {
            var properties = (await _documents.GetBlobClient(blob.BlobName).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            if (blob.ETag is { Length: > 0 } failed && !SameVersion(failed, properties.ETag))
            {
                LogReplaced(_logger, blob.ContainerName, blob.BlobName);
                return PoisonedBlobOutcome.Replaced;
            }

            length = properties.ContentLength;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            LogGone(_logger, blob.ContainerName, blob.BlobName);
            return PoisonedBlobOutcome.Gone;
        }

        var stored = new StoredDocument(name.ProjectId, DocumentFileName.Clean(name.FileName), blob.BlobName, length);
        var reason = "Ingest failed on this file at every attempt the Functions host made (host.json blobs.poisonBlobThreshold), "
            + "so it was set aside instead of being retried for ever; it was not parsed again. The function app's log has the errors "
            + $"(exceptions of the Ingest function). Once the cause is fixed, upload the file again to {_documents.Name}/{name.ProjectId}/.";
        var document = await _ingestion.SetAsideAsync(stored, reason, cancellationToken).ConfigureAwait(false);
        if (document is null)
        {
            LogGone(_logger, blob.ContainerName, blob.BlobName);
            return PoisonedBlobOutcome.Gone;
        }

        return document.Status == Domain.Documents.DocumentStatus.Quarantined ? PoisonedBlobOutcome.Quarantined : PoisonedBlobOutcome.AlreadyIngested;
    }

    // The host writes ETag.ToString() (quoted); the docs show it bare. Either names the same version.
    private static bool SameVersion(string failed, ETag current) =>
        string.Equals(failed.Trim('"'), current.ToString().Trim('"'), StringComparison.Ordinal);

    [LoggerMessage(EventId = 8201, Level = LogLevel.Warning, Message = "Poisoned blob {BlobName} of container {ContainerName} is not a project's file in the documents container; it is left where it is")]
    private static partial void LogNotADocument(ILogger logger, string containerName, string blobName);

    [LoggerMessage(EventId = 8202, Level = LogLevel.Information, Message = "Poisoned blob {BlobName} of container {ContainerName} was replaced since it failed; the new version is Ingest's")]
    private static partial void LogReplaced(ILogger logger, string containerName, string blobName);

    [LoggerMessage(EventId = 8203, Level = LogLevel.Information, Message = "Poisoned blob {BlobName} of container {ContainerName} is gone; nothing to set aside")]
    private static partial void LogGone(ILogger logger, string containerName, string blobName);
}
