using System.Text.Json;
using Labeling.Application.Ports;
using Labeling.Application.Work;

namespace Labeling.Application.Documents;

/// <summary>Queue handler for files found in the document container (the blob trigger's local twin).</summary>
public sealed class IngestDocumentHandler : IWorkHandler
{
    private readonly DocumentIngestion _ingestion;

    /// <summary>Creates the handler.</summary>
    /// <param name="ingestion">The ingest step.</param>
    public IngestDocumentHandler(DocumentIngestion ingestion) => _ingestion = ingestion;

    /// <inheritdoc />
    public string Queue => WorkQueues.IngestDocument;

    /// <inheritdoc />
    public async Task HandleAsync(string payload, CancellationToken cancellationToken)
    {
        var stored = JsonSerializer.Deserialize<StoredDocument>(payload, LabelingJson.Options)
            ?? throw new JsonException("The ingest message is empty.");
        await _ingestion.IngestAsync(stored, cancellationToken).ConfigureAwait(false);
    }
}
