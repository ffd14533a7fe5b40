using System.Text.Json;
using Azure.Storage.Queues.Models;
using Labeling.Adapters.Azure.Storage;
using Labeling.Application;
using Labeling.Application.WeakLabeling;
using Labeling.Application.Work;
using Labeling.Functions.Crowd;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace Labeling.Functions.WeakLabeling;

/// <summary>
/// <c>WeakLabel</c>: machine labelers vote on a batch of items and the policy routes them; items that
/// need the crowd get their <c>CollectVotes</c> workflow. Idempotent on redelivery (items past weak
/// labeling are skipped, workflows are keyed by item). After the host's last attempt the message goes
/// to <c>label-requests-poison</c>; the reason is logged here first.
/// </summary>
public sealed partial class WeakLabelFunction
{
    /// <summary>Receives after which the host moves a message to the poison queue (host.json <c>maxDequeueCount</c>).</summary>
    public const int MaxDequeueCount = 5;

    private readonly WeakLabeler _weakLabeler;
    private readonly CrowdWorkflows _workflows;
    private readonly ILogger<WeakLabelFunction> _logger;

    /// <summary>Creates the function.</summary>
    public WeakLabelFunction(WeakLabeler weakLabeler, CrowdWorkflows workflows, ILogger<WeakLabelFunction> logger)
    {
        _weakLabeler = weakLabeler;
        _workflows = workflows;
        _logger = logger;
    }

    /// <summary>Handles one message.</summary>
    /// <param name="message">The queue message.</param>
    /// <param name="client">The Durable client.</param>
    /// <param name="cancellationToken">Cancels the step.</param>
    /// <returns>A task.</returns>
    [Function("WeakLabel")]
    public async Task RunAsync(
        [QueueTrigger(WorkQueues.WeakLabel, Connection = StorageOptions.SectionName)] QueueMessage message,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            var request = JsonSerializer.Deserialize<WeakLabelMessage>(message.Body.ToString(), LabelingJson.Options)
                ?? throw new JsonException("The weak-label message is empty.");
            await _weakLabeler.LabelAsync(request.ProjectId, request.ItemIds, cancellationToken).ConfigureAwait(false);
            await _workflows.StartAsync(client, request.ProjectId, request.ItemIds, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A store's timeout is an OperationCanceledException too (Cosmos DB's request timeout, an Azure SDK network
            // timeout): only the host's own cancellation is left unlogged, anything else still costs this receive.
            if (message.DequeueCount >= MaxDequeueCount)
            {
                LogPoisoned(_logger, ex, message.MessageId, message.DequeueCount, ex.Message);
            }
            else
            {
                LogFailed(_logger, ex, message.MessageId, message.DequeueCount, ex.Message);
            }

            throw;
        }
    }

    [LoggerMessage(EventId = 9201, Level = LogLevel.Warning, Message = "Weak-label message {MessageId} failed on receive {DequeueCount}; it will be retried: {Reason}")]
    private static partial void LogFailed(ILogger logger, Exception exception, string messageId, long dequeueCount, string reason);

    [LoggerMessage(EventId = 9202, Level = LogLevel.Error, Message = "Weak-label message {MessageId} failed on its last receive ({DequeueCount}) and goes to label-requests-poison: {Reason}")]
    private static partial void LogPoisoned(ILogger logger, Exception exception, string messageId, long dequeueCount, string reason);
}
