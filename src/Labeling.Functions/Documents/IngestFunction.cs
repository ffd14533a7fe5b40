using Azure;
using Azure.Storage.Blobs;
using Labeling.Adapters.Azure.Storage;
using Labeling.Application.Documents;
using Labeling.Application.Ports;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Labeling.Functions.Documents;

/// <summary>
/// <c>Ingest</c>: a file dropped at <c>documents/{projectId}/{name}</c> becomes items. Event Grid
/// delivers the blob event (the only blob trigger Flex Consumption runs); the azd postdeploy hook
/// subscribes this function by name. Files that cannot be parsed go to quarantine with their reason.
/// </summary>
/// <remarks>
/// A file the upload endpoint saved fires this trigger too, while the request that saved it ingests it and answers with
/// the result. The trigger leaves it to that request: it waits until the file is marked ingested or quarantined, for up to
/// <see cref="StorageOptions.UploadIngestWait"/> from the blob's creation, and ingests it itself, under the name it was
/// sent under, only when the request's instance stopped before it had done so.
/// </remarks>
public sealed partial class IngestFunction
{
    /// <summary>
    /// The container the trigger watches, fixed when the app is built (a binding's path); the Event Grid subscription and
    /// <c>LabelingStorage:DocumentsContainer</c> must name the same one.
    /// </summary>
    public const string DocumentsContainer = "documents";

    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    private readonly DocumentIngestion _ingestion;
    private readonly StorageOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<IngestFunction> _logger;

    /// <summary>Creates the function.</summary>
    /// <param name="ingestion">The ingest use case.</param>
    /// <param name="options">How long an upload is left to its request.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">The logger.</param>
    public IngestFunction(DocumentIngestion ingestion, StorageOptions options, TimeProvider time, ILogger<IngestFunction> logger)
    {
        _ingestion = ingestion;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Ingests one blob.</summary>
    /// <param name="blob">The blob.</param>
    /// <param name="projectId">The project, from the path.</param>
    /// <param name="name">The file name, from the path.</param>
    /// <param name="cancellationToken">Cancels the step.</param>
    /// <returns>A task.</returns>
    [Function("Ingest")]
    public async Task RunAsync(
        [BlobTrigger(DocumentsContainer + "/{projectId}/{name}", Source = BlobTriggerSource.EventGrid, Connection = StorageOptions.SectionName)] BlobClient blob,
        string projectId,
        string name,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        global::Azure.Storage.Blobs.Models.BlobProperties properties;
        try
        {
            properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Gone already: quarantined by the request that uploaded it, or by an earlier delivery of this event.
            return;
        }

        var fileName = name;
        if (BlobDocumentSource.UploadedFileName(properties.Metadata) is { } sent)
        {
            if (await UploadSettledAsync(blob, properties, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            LogUploadLeftOver(_logger, blob.Name, _options.UploadIngestWait);
            fileName = sent;
        }

        var stored = new StoredDocument(projectId, fileName, BlobDocumentSource.BlobNameFor(projectId, name), properties.ContentLength);
        await _ingestion.IngestAsync(stored, cancellationToken).ConfigureAwait(false);
    }

    // Whether the request that saved the upload has ingested or quarantined it (the blob marked, or moved away), waiting
    // for that until UploadIngestWait has passed since the blob was created. The properties just read are the first look.
    private async Task<bool> UploadSettledAsync(BlobClient blob, global::Azure.Storage.Blobs.Models.BlobProperties properties, CancellationToken cancellationToken)
    {
        var metadata = properties.Metadata;
        while (!metadata.ContainsKey(BlobDocumentSource.StatusMetadata))
        {
            if (_time.GetUtcNow() - properties.CreatedOn >= _options.UploadIngestWait)
            {
                return false;
            }

            await Task.Delay(Poll, _time, cancellationToken).ConfigureAwait(false);
            try
            {
                metadata = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value.Metadata;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                return true;
            }
        }

        return true;
    }

    [LoggerMessage(EventId = 6111, Level = LogLevel.Warning, Message = "Upload {Blob} was not ingested by the request that saved it within {Wait}; ingesting it here.")]
    private static partial void LogUploadLeftOver(ILogger logger, string blob, TimeSpan wait);
}
