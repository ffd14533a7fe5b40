using System.Collections.Concurrent;
using Labeling.Adapters.Local.Sqlite;
using Labeling.Adapters.Local.Work;
using Labeling.Application.Ports;
using Labeling.Application.Work;
using Labeling.TestSupport.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Labeling.Adapters.Local.Tests.Work;

/// <summary>The pump over a real SQLite queue whose bookkeeping fails for a while, as a busy or failing database does.</summary>
public sealed class WorkQueuePumpTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "labeling-pump-tests", Guid.NewGuid().ToString("N"));
    private readonly LogCollector _logs = new();
    private readonly ConcurrentQueue<string> _handled = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task PumpOnce_RecordingAHandlerFailureFails_StillHandlesTheRestOfTheBatchNow()
    {
        // FailAsync throwing (the database busy just then) let the exception out of the batch: the messages after the
        // failed one were received (an attempt counted) but not handled, and waited out the visibility timeout.
        var (pump, queue) = Pump(TimeSpan.FromHours(1));
        await queue.EnqueueAsync("fails", "{}", null, CancellationToken.None);
        await queue.EnqueueAsync("works", "second", null, CancellationToken.None);
        await queue.EnqueueAsync("works", "third", null, CancellationToken.None);
        queue.FailsToRecordFailures = true;

        Assert.Equal(3, await pump.PumpOnceAsync(CancellationToken.None));

        Assert.Equal(["second", "third"], _handled);
        // Only the message whose failure could not be recorded still waits (hidden until its visibility timeout).
        Assert.Equal((1, 0), await queue.CountAsync(CancellationToken.None));
        var lost = Assert.Single(_logs.Records, r => r.EventId.Id == 7104);
        Assert.Contains("01:00:00", lost.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WhileReceivingFailsForManyPolls_LogsOnceAndTheRecovery_AndHandlesWorkAfter()
    {
        // Every poll (200 ms by default) logged the same error while the database failed: 300 lines a minute.
        var (pump, queue) = Pump(TimeSpan.FromMinutes(2));
        queue.Down = true;
        await pump.StartAsync(CancellationToken.None);
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (queue.FailedReceives < 10)
            {
                Assert.True(DateTime.UtcNow < deadline, "the pump stopped polling");
                await Task.Delay(20);
            }

            Assert.Equal(LogLevel.Error, Assert.Single(_logs.Records, r => r.EventId.Id == 7103).Level);
            queue.Down = false;
            await queue.EnqueueAsync("works", "after", null, CancellationToken.None);
            while (_handled.IsEmpty || !_logs.Records.Any(r => r.EventId.Id == 7105))
            {
                Assert.True(DateTime.UtcNow < deadline, "the pump did not take up work again");
                await Task.Delay(20);
            }

            Assert.False(pump.ExecuteTask!.IsCompleted, "the pump stopped");
            Assert.Single(_logs.Records, r => r.EventId.Id == 7105);
            Assert.Single(_logs.Records, r => r.EventId.Id == 7103);
        }
        finally
        {
            await pump.StopAsync(CancellationToken.None);
        }
    }

    private (WorkQueuePump Pump, FlakyQueue Queue) Pump(TimeSpan visibilityTimeout)
    {
        var options = Options.Create(new WorkQueueOptions
        {
            VisibilityTimeout = visibilityTimeout,
            PollInterval = TimeSpan.FromMilliseconds(20),
            RetryDelay = TimeSpan.Zero,
            BatchSize = 10,
        });
        var queue = new FlakyQueue(new SqliteWorkQueue(new SqliteDatabase(Path.Combine(_folder, "labeling.db")), TimeProvider.System, options));
        IWorkHandler[] handlers = [new Handler("fails", _ => throw new InvalidOperationException("the handler failed")), new Handler("works", _handled.Enqueue)];
        var logger = new LoggerFactory([_logs]).CreateLogger<WorkQueuePump>();
        return (new WorkQueuePump(queue, handlers, options, logger), queue);
    }

    private sealed class Handler(string queue, Action<string> handle) : IWorkHandler
    {
        public string Queue => queue;

        public Task HandleAsync(string payload, CancellationToken cancellationToken)
        {
            handle(payload);
            return Task.CompletedTask;
        }
    }

    private sealed class FlakyQueue(IWorkQueue inner) : IWorkQueue
    {
        private int _failedReceives;

        public volatile bool Down;

        public volatile bool FailsToRecordFailures;

        public int FailedReceives => Volatile.Read(ref _failedReceives);

        public Task EnqueueAsync(string queue, string payload, string? dedupKey, CancellationToken cancellationToken) =>
            inner.EnqueueAsync(queue, payload, dedupKey, cancellationToken);

        public Task<IReadOnlyList<WorkMessage>> ReceiveAsync(int limit, CancellationToken cancellationToken)
        {
            if (Down)
            {
                Interlocked.Increment(ref _failedReceives);
                throw new InvalidOperationException("the database is down");
            }

            return inner.ReceiveAsync(limit, cancellationToken);
        }

        public Task CompleteAsync(WorkMessage message, CancellationToken cancellationToken) => inner.CompleteAsync(message, cancellationToken);

        public Task FailAsync(WorkMessage message, string error, CancellationToken cancellationToken) =>
            FailsToRecordFailures ? throw new InvalidOperationException("database is locked") : inner.FailAsync(message, error, cancellationToken);

        public Task<(int Waiting, int Poisoned)> CountAsync(CancellationToken cancellationToken) => inner.CountAsync(cancellationToken);
    }
}
