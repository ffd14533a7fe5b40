using Azure.Storage.Queues;
using Labeling.Adapters.Azure.Storage;
using Labeling.Application.Work;
using Labeling.TestSupport.Emulators;
using Microsoft.Extensions.Logging.Abstractions;

namespace Labeling.Adapters.Azure.Tests.Storage;

[Collection(AzuriteCollection.Name)]
public sealed class StorageQueueWorkQueueTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task EnqueueReceiveComplete_RoundTripsThePayload_AsBase64ForTheQueueTrigger()
    {
        var (queue, raw) = await FreshAsync();
        await queue.EnqueueAsync(WorkQueues.WeakLabel, """{"projectId":"p1","itemIds":["itm_1"]}""", "k1", CancellationToken.None);

        var peeked = (await raw.PeekMessageAsync()).Value;
        Assert.Equal("""{"projectId":"p1","itemIds":["itm_1"]}""", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(peeked.Body.ToString())));

        var received = Assert.Single(await queue.ReceiveAsync(10, CancellationToken.None));
        Assert.Equal(WorkQueues.WeakLabel, received.Queue);
        Assert.Equal(1, received.DequeueCount);
        await queue.CompleteAsync(received, CancellationToken.None);
        Assert.Equal((0, 0), await queue.CountAsync(CancellationToken.None));
    }

    [Fact]
    public async Task FailAsync_OnTheLastAttempt_MovesTheMessageToThePoisonQueue()
    {
        var (queue, _) = await FreshAsync(maxDequeue: 1);
        await queue.EnqueueAsync(WorkQueues.WeakLabel, "{}", null, CancellationToken.None);

        var received = Assert.Single(await queue.ReceiveAsync(10, CancellationToken.None));
        await queue.FailAsync(received, "The weak-label message is empty.", CancellationToken.None);

        Assert.Equal((0, 1), await queue.CountAsync(CancellationToken.None));
        Assert.Empty(await queue.ReceiveAsync(10, CancellationToken.None));
    }

    [Fact]
    public async Task EnqueueAsync_FirstCallerCancelledWhileTheQueueWasCreated_LaterEnqueuesStillWork()
    {
        // The queue's creation ran under the first caller's token and its cancelled result was kept for the instance:
        // every later enqueue failed with TaskCanceledException until the process recycled.
        var (queue, raw) = await FreshAsync();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.EnqueueAsync(WorkQueues.WeakLabel, "{}", null, cancelled.Token));
        await queue.EnqueueAsync(WorkQueues.WeakLabel, """{"projectId":"p1","itemIds":["itm_1"]}""", null, CancellationToken.None);

        Assert.True((await raw.PeekMessageAsync()).Value is not null, "the second enqueue sent nothing");
    }

    private async Task<(StorageQueueWorkQueue Queue, QueueClient Raw)> FreshAsync(int maxDequeue = 5)
    {
        // Queue names are fixed (they are the triggers' names), so each test empties them first.
        var options = new StorageOptions { ConnectionString = azurite.ConnectionString, MaxDequeueCount = maxDequeue, VisibilityTimeout = TimeSpan.FromSeconds(30) };
        var clients = new StorageClients(options, new global::Azure.Identity.DefaultAzureCredential());
        foreach (var name in new[] { WorkQueues.WeakLabel, WorkQueues.IngestDocument })
        {
            await clients.Queues.GetQueueClient(name).DeleteIfExistsAsync();
            await clients.Queues.GetQueueClient(StorageQueueWorkQueue.PoisonQueueOf(name)).DeleteIfExistsAsync();
        }

        var raw = new QueueClient(azurite.ConnectionString, WorkQueues.WeakLabel);
        return (new StorageQueueWorkQueue(clients, options, NullLogger<StorageQueueWorkQueue>.Instance), raw);
    }
}
