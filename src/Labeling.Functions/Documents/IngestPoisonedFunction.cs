using Azure.Storage.Queues.Models;
using Labeling.Adapters.Azure.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Labeling.Functions.Documents;

/// <summary>
/// <c>IngestPoisoned</c>: a blob <c>Ingest</c> failed on at every attempt. Event Grid does not see those failures (the
/// host's blobs webhook queues the event and answers 202), so after host.json <c>blobs.poisonBlobThreshold</c> attempts the
/// host writes the blob's name to <c>webjobs-blobtrigger-poison</c>, in the storage account of the <c>Storage</c>
/// connection. This logs it as an error (event 9301, the <c>ingest-poisoned</c> alert) and sets the file aside with a
/// reason, so that the project's document list shows it.
/// </summary>
public sealed partial class IngestPoisonedFunction
{
    private readonly PoisonedBlobQuarantine _quarantine;
    private readonly ILogger<IngestPoisonedFunction> _logger;

    /// <summary>Creates the function.</summary>
    public IngestPoisonedFunction(PoisonedBlobQuarantine quarantine, ILogger<IngestPoisonedFunction> logger)
    {
        _quarantine = quarantine;
        _logger = logger;
    }

    /// <summary>Handles one poison message.</summary>
    /// <param name="message">The message the host wrote.</param>
    /// <param name="cancellationToken">Cancels the step.</param>
    /// <returns>A task.</returns>
    [Function("IngestPoisoned")]
    public async Task RunAsync(
        [QueueTrigger(PoisonedBlob.Queue, Connection = StorageOptions.SectionName)] QueueMessage message,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (PoisonedBlob.Parse(message.Body.ToString()) is not { } blob)
        {
            LogUnreadable(_logger, message.MessageId);
            return;
        }

        LogPoisoned(_logger, blob.ContainerName, blob.BlobName, blob.FunctionId ?? "an unnamed function");
        await _quarantine.SetAsideAsync(blob, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 9301, Level = LogLevel.Error, Message = "Blob trigger gave up on {ContainerName}/{BlobName} ({FunctionId}) after its last attempt; the host put it in webjobs-blobtrigger-poison")]
    private static partial void LogPoisoned(ILogger logger, string containerName, string blobName, string functionId);

    [LoggerMessage(EventId = 9302, Level = LogLevel.Error, Message = "Message {MessageId} of webjobs-blobtrigger-poison names no blob (no ContainerName and BlobName); it is dropped")]
    private static partial void LogUnreadable(ILogger logger, string messageId);
}
