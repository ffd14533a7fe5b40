using System.Collections.Concurrent;
using System.Globalization;
using Azure;
using Azure.Storage.Queues;
using Labeling.Application.Ports;
using Labeling.Application.Work;
using Microsoft.Extensions.Logging;

namespace Labeling.Adapters.Azure.Storage;

/// <summary>
/// <see cref="IWorkQueue"/> over Azure Storage Queues (Base64 messages, as the Functions queue trigger
/// reads them). In the Functions host the queue triggers receive; this class enqueues, and its
/// receive side serves tools and tests the way the local pump uses the SQLite queue.
/// </summary>
/// <remarks>
/// Storage Queues have no de-duplication, so <c>dedupKey</c> is not enforced: a duplicate message is
/// harmless because every handler is idempotent (items past weak labeling are skipped). Nor have they turns:
/// the <c>share</c> a message is queued with is not kept, and the Functions host's instances take messages in
/// about the order they came (a project's large file is spread over as many instances as scale out). A message
/// received <see cref="StorageOptions.MaxDequeueCount"/> times and failed again goes to
/// <c>{queue}-poison</c> with the error, the same convention the Functions host uses.
/// </remarks>
public sealed partial class StorageQueueWorkQueue : IWorkQueue
{
    private static readonly string[] KnownQueues = [WorkQueues.WeakLabel, WorkQueues.IngestDocument];
    private readonly StorageClients _clients;
    private readonly StorageOptions _options;
    private readonly ILogger<StorageQueueWorkQueue> _logger;
    private readonly ConcurrentDictionary<string, Task<QueueClient>> _queues = new(StringComparer.Ordinal);

    /// <summary>Creates the queue.</summary>
    /// <param name="clients">The storage clients.</param>
    /// <param name="options">Visibility timeout and poison threshold.</param>
    /// <param name="logger">The logger.</param>
    public StorageQueueWorkQueue(StorageClients clients, StorageOptions options, ILogger<StorageQueueWorkQueue> logger)
    {
        _clients = clients;
        _options = options;
        _logger = logger;
    }

    /// <summary>The poison queue of a queue.</summary>
    /// <param name="queue">The queue name.</param>
    /// <returns><c>{queue}-poison</c>.</returns>
    public static string PoisonQueueOf(string queue) => queue + "-poison";

    /// <inheritdoc />
    public Task EnqueueAsync(string queue, string payload, string? dedupKey, CancellationToken cancellationToken) =>
        EnqueueAsync(queue, payload, dedupKey, null, cancellationToken);

    /// <inheritdoc />
    public async Task EnqueueAsync(string queue, string payload, string? dedupKey, string? share, CancellationToken cancellationToken)
    {
        var client = await QueueAsync(queue, cancellationToken).ConfigureAwait(false);
        await client.SendMessageAsync(payload, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<WorkMessage>> ReceiveAsync(int limit, CancellationToken cancellationToken)
    {
        var received = new List<WorkMessage>();
        foreach (var name in KnownQueues)
        {
            if (received.Count >= limit)
            {
                break;
            }

            var client = await QueueAsync(name, cancellationToken).ConfigureAwait(false);
            var batch = await client.ReceiveMessagesAsync(Math.Min(32, limit - received.Count), _options.VisibilityTimeout, cancellationToken).ConfigureAwait(false);
            foreach (var message in batch.Value)
            {
                var work = new WorkMessage(IdOf(message.MessageId), name, message.Body.ToString(), (int)message.DequeueCount, Receipt(message.MessageId, message.PopReceipt));
                if (message.DequeueCount > _options.MaxDequeueCount)
                {
                    await PoisonAsync(work, string.Create(CultureInfo.InvariantCulture, $"Received {message.DequeueCount} times without completing."), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                received.Add(work);
            }
        }

        return received;
    }

    /// <inheritdoc />
    public async Task CompleteAsync(WorkMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var (id, pop) = ParseReceipt(message.Receipt);
        var client = await QueueAsync(message.Queue, cancellationToken).ConfigureAwait(false);
        try
        {
            await client.DeleteMessageAsync(id, pop, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // The visibility timeout ran out and another receiver owns it now; it will complete it.
            LogLostOwnership(_logger, message.Queue, id);
        }
    }

    /// <inheritdoc />
    public async Task FailAsync(WorkMessage message, string error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.DequeueCount >= _options.MaxDequeueCount)
        {
            await PoisonAsync(message, error, cancellationToken).ConfigureAwait(false);
            return;
        }

        var (id, pop) = ParseReceipt(message.Receipt);
        var client = await QueueAsync(message.Queue, cancellationToken).ConfigureAwait(false);
        var backoff = TimeSpan.FromSeconds(Math.Min(300, Math.Pow(2, message.DequeueCount)));
        await client.UpdateMessageAsync(id, pop, visibilityTimeout: backoff, cancellationToken: cancellationToken).ConfigureAwait(false);
        LogRetrying(_logger, message.Queue, id, message.DequeueCount, error);
    }

    /// <inheritdoc />
    public async Task<(int Waiting, int Poisoned)> CountAsync(CancellationToken cancellationToken)
    {
        var waiting = 0;
        var poisoned = 0;
        foreach (var name in KnownQueues)
        {
            var queue = await QueueAsync(name, cancellationToken).ConfigureAwait(false);
            waiting += (await queue.GetPropertiesAsync(cancellationToken).ConfigureAwait(false)).Value.ApproximateMessagesCount;
            var poison = await QueueAsync(PoisonQueueOf(name), cancellationToken).ConfigureAwait(false);
            poisoned += (await poison.GetPropertiesAsync(cancellationToken).ConfigureAwait(false)).Value.ApproximateMessagesCount;
        }

        return (waiting, poisoned);
    }

    private async Task PoisonAsync(WorkMessage message, string error, CancellationToken cancellationToken)
    {
        var (id, pop) = ParseReceipt(message.Receipt);
        var poison = await QueueAsync(PoisonQueueOf(message.Queue), cancellationToken).ConfigureAwait(false);
        await poison.SendMessageAsync(message.Payload, cancellationToken).ConfigureAwait(false);
        var client = await QueueAsync(message.Queue, cancellationToken).ConfigureAwait(false);
        await client.DeleteMessageAsync(id, pop, cancellationToken).ConfigureAwait(false);
        LogPoisoned(_logger, message.Queue, id, message.DequeueCount, error);
    }

    // Each queue is created once per instance. A creation that failed or was cut short is not kept: a 403 while the
    // app's role assignment propagates on its first start, a throttled call, or a first caller's cancelled token would
    // otherwise fail every later enqueue on this instance until it recycled. The creation itself runs to its end
    // whoever asked first; each caller stops waiting at its own token.
    private async Task<QueueClient> QueueAsync(string name, CancellationToken cancellationToken)
    {
        var creating = _queues.GetOrAdd(name, CreateAsync);
        try
        {
            return await creating.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch when (creating.IsFaulted || creating.IsCanceled)
        {
            _queues.TryRemove(KeyValuePair.Create(name, creating));
            throw;
        }
    }

    private async Task<QueueClient> CreateAsync(string name)
    {
        var client = _clients.Queues.GetQueueClient(name);
        await client.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
        return client;
    }

    private static long IdOf(string messageId) =>
        Guid.TryParse(messageId, out var guid) ? BitConverter.ToInt64(guid.ToByteArray(), 0) : messageId.GetHashCode(StringComparison.Ordinal);

    private static string Receipt(string messageId, string popReceipt) => $"{messageId}\n{popReceipt}";

    private static (string MessageId, string PopReceipt) ParseReceipt(string receipt)
    {
        var parts = receipt.Split('\n', 2);
        return parts.Length == 2
            ? (parts[0], parts[1])
            : throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"'{receipt}' is not a receipt this queue issued."), nameof(receipt));
    }

    [LoggerMessage(EventId = 8101, Level = LogLevel.Error, Message = "Message {MessageId} of queue {Queue} moved to the poison queue after {DequeueCount} receives: {Error}")]
    private static partial void LogPoisoned(ILogger logger, string queue, string messageId, int dequeueCount, string error);

    [LoggerMessage(EventId = 8102, Level = LogLevel.Warning, Message = "Message {MessageId} of queue {Queue} failed (receive {DequeueCount}); retrying: {Error}")]
    private static partial void LogRetrying(ILogger logger, string queue, string messageId, int dequeueCount, string error);

    [LoggerMessage(EventId = 8103, Level = LogLevel.Warning, Message = "Message {MessageId} of queue {Queue} was taken by another receiver before it was completed")]
    private static partial void LogLostOwnership(ILogger logger, string queue, string messageId);
}
