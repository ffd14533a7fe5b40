using Azure.Storage.Blobs;
using Labeling.Adapters.Azure.Storage;
using Labeling.Application.Documents;
using Labeling.Application.Ports;
using Microsoft.Azure.Functions.Worker;

namespace Labeling.Functions.Documents;

/// <summary>
/// <c>Ingest</c>: a file dropped at <c>documents/{projectId}/{name}</c> becomes items. Event Grid
/// delivers the blob event (the only blob trigger Flex Consumption runs); the azd postdeploy hook
/// subscribes this function by name. Files that cannot be parsed go to quarantine with their reason.
/// </summary>
public sealed class IngestFunction
{
    private readonly DocumentIngestion _ingestion;

    /// <summary>Creates the function.</summary>
    /// <param name="ingestion">The ingest use case.</param>
    public IngestFunction(DocumentIngestion ingestion) => _ingestion = ingestion;

    /// <summary>Ingests one blob.</summary>
    /// <param name="blob">The blob.</param>
    /// <param name="projectId">The project, from the path.</param>
    /// <param name="name">The file name, from the path.</param>
    /// <param name="cancellationToken">Cancels the step.</param>
    /// <returns>A task.</returns>
    [Function("Ingest")]
    public async Task RunAsync(
        [BlobTrigger("documents/{projectId}/{name}", Source = BlobTriggerSource.EventGrid, Connection = StorageOptions.SectionName)] BlobClient blob,
        string projectId,
        string name,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var stored = new StoredDocument(projectId, name, BlobDocumentSource.BlobNameFor(projectId, name), properties.Value.ContentLength);
        await _ingestion.IngestAsync(stored, cancellationToken).ConfigureAwait(false);
    }
}
