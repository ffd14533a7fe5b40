using System.Collections.Concurrent;
using Labeling.Adapters.Local.Sqlite;
using Labeling.Adapters.Local.Work;
using Labeling.Application.Ports;
using Labeling.Application.Work;
using Labeling.TestSupport;
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
    private readonly CancellationTokenSource _stop = new();

    public void Dispose()
    {
        _stop.Dispose();
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
    public async Task PumpOnce_ServerStopsWhileHandlingAMessage_ChargesNoAttemptToTheMessagesAfterIt()
    {
        // The batch was received at once, an attempt counted against each message: a server killed while ingesting one
        // large inbox file had charged the files received with it, and after a few such stops they were set aside as
        // "stopped the server each time it was read" without ever being read.
        var (pump, queue) = Pump(TimeSpan.FromMilliseconds(1));
        await queue.EnqueueAsync("stops", "first", null, CancellationToken.None);
        await queue.EnqueueAsync("works", "second", null, CancellationToken.None);
        await queue.EnqueueAsync("works", "third", null, CancellationToken.None);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pump.PumpOnceAsync(_stop.Token));
        await Task.Delay(20); // past the first message's visibility timeout

        // The stopped message is given back with its attempt: a clean stop is not a crash (five of them during one big
        // file's ingest set it aside as "stopped the server each time").
        var next = await queue.ReceiveAsync(3, CancellationToken.None);
        Assert.Equal([("first", 1), ("second", 1), ("third", 1)], next.Select(m => (m.Payload, m.DequeueCount)).Order());
        Assert.Empty(_handled);
    }

    [Fact]
    public async Task PumpOnce_HandlerThatFinishesAsTheServerStops_IsCompleted()
    {
        // The outcome was recorded with the stopping token: a handler done just as the stop began was neither completed nor
        // failed, and came back after the visibility timeout, charged an attempt.
        var (pump, queue) = Pump(TimeSpan.FromHours(1));
        await queue.EnqueueAsync("finishes-at-stop", "done", null, CancellationToken.None);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pump.PumpOnceAsync(_stop.Token));

        Assert.Equal(["done"], _handled);
        Assert.Equal((0, 0), await queue.CountAsync(CancellationToken.None));
    }

    [Fact]
    public async Task PumpOnce_DatabaseBusyMoreTimesThanMaxAttempts_NeverPoisons_AndSaysItPasses()
    {
        // Five quick "database is locked" failures poisoned the message, and an inbox file was set aside in quarantine.
        var (pump, queue) = Pump(TimeSpan.FromHours(1));
        await queue.EnqueueAsync("busy", "{}", null, CancellationToken.None);

        for (var round = 0; round < 8; round++)
        {
            // The message comes back after the poll interval (20 ms here; RetryDelay is 0), not in a tight loop.
            Assert.Equal(1, await pump.PumpOnceAsync(CancellationToken.None));
            await Task.Delay(40);
        }

        Assert.Equal((1, 0), await queue.CountAsync(CancellationToken.None));
        Assert.Equal(8, _logs.Records.Count(r => r.EventId.Id == 7106));
        Assert.DoesNotContain(_logs.Records, r => r.EventId.Id == 7101);
        Assert.Equal(1, Assert.Single(await queue.ReceiveAsync(1, CancellationToken.None)).DequeueCount);
    }

    [Fact]
    public async Task PumpOnce_AFailureThatPassesButLasts_CountsAgainAfterMaxPassingReturns()
    {
        // A cause that lasts (a file that fills the disk each time it is read) was retried for ever, never poisoned.
        var (pump, queue) = Pump(TimeSpan.FromHours(1));
        await queue.EnqueueAsync("busy", "{}", null, CancellationToken.None);

        for (var round = 0; round <= WorkQueuePump.MaxPassingReturns; round++)
        {
            await Eventually.HoldsAsync(async () => await pump.PumpOnceAsync(CancellationToken.None) == 1, TimeSpan.FromSeconds(10), $"round {round}: the message did not come back", TimeSpan.FromMilliseconds(5));
        }

        // Given back 64 times in a row, then the 65th failure counted (after which the count starts again).
        var outcomes = _logs.Records.Where(r => r.EventId.Id is 7106 or 7101).Select(r => r.EventId.Id).ToList();
        Assert.Equal(WorkQueuePump.MaxPassingReturns, outcomes.IndexOf(7101));
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(1, 4)]
    [InlineData(5, 60)]
    [InlineData(10_000, 60)]
    public void Backoff_DoublesFromRetryDelayUpToMaxRetryDelay_WithoutOverflow(int doublings, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), WorkQueuePump.Backoff(new WorkQueueOptions(), doublings));

    [Fact]
    public void Backoff_AnHourLongRetryDelay_DoesNotOverflowATimeSpan() =>
        Assert.Equal(TimeSpan.FromDays(1), WorkQueuePump.Backoff(new WorkQueueOptions { RetryDelay = TimeSpan.FromHours(1), MaxRetryDelay = TimeSpan.FromDays(1) }, 40));

    [Fact]
    public void Options_MaxRetryDelayBelowRetryDelay_IsRefusedNamingBoth()
    {
        var options = new WorkQueueOptions { RetryDelay = TimeSpan.FromMinutes(5), MaxRetryDelay = TimeSpan.FromMinutes(1) };

        var errors = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        Assert.False(System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), errors, validateAllProperties: true));

        Assert.Contains("WorkQueue:MaxRetryDelay (00:01:00) must be at least WorkQueue:RetryDelay (00:05:00)", Assert.Single(errors).ErrorMessage, StringComparison.Ordinal);
    }

    // Linux's always-full device: elsewhere the test is reported as skipped rather than passing without checking anything.
    [LinuxFact]
    public void Passes_ADiskFullWrite_ButNotAFileThatIsNotThere()
    {
        var full = Assert.ThrowsAny<IOException>(() =>
        {
            using var stream = new FileStream("/dev/full", FileMode.Open, FileAccess.Write);
            stream.Write(new byte[4096]);
            stream.Flush();
        });

        Assert.Equal("the disk is full", WorkQueuePump.Passes(new InvalidOperationException("ingest failed", full)));
        Assert.Null(WorkQueuePump.Passes(new FileNotFoundException("gone")));
        Assert.Null(WorkQueuePump.Passes(new InvalidOperationException("the handler failed")));
        Assert.Equal("the database is busy", WorkQueuePump.Passes(new Microsoft.Data.Sqlite.SqliteException("database is locked", 5)));
    }

    [Fact]
    public async Task Run_BeforeTheHostHasStarted_TakesNoMessage()
    {
        // Hosted services start before the web server binds; a server whose port was taken exited after its pump had
        // received (and charged an attempt to) the messages waiting.
        var (pump, queue) = Pump(TimeSpan.FromMinutes(2), new NotYetStarted());
        await queue.EnqueueAsync("works", "waiting", null, CancellationToken.None);

        await pump.StartAsync(CancellationToken.None);
        await Task.Delay(300); // fifteen poll intervals
        await pump.StopAsync(CancellationToken.None);

        Assert.Empty(_handled);
        Assert.Equal(1, Assert.Single(await queue.ReceiveAsync(1, CancellationToken.None)).DequeueCount);
    }

    [Fact]
    public async Task Run_OnceTheHostHasStarted_HandlesWork()
    {
        var lifetime = new NotYetStarted();
        var (pump, queue) = Pump(TimeSpan.FromMinutes(2), lifetime);
        await queue.EnqueueAsync("works", "waiting", null, CancellationToken.None);
        await pump.StartAsync(CancellationToken.None);
        try
        {
            lifetime.Start();
            await Eventually.HoldsAsync(() => !_handled.IsEmpty, TimeSpan.FromSeconds(30), "the pump did not start once the host had", TimeSpan.FromMilliseconds(20));

            Assert.Equal(["waiting"], _handled);
        }
        finally
        {
            await pump.StopAsync(CancellationToken.None);
        }
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
            await Eventually.HoldsAsync(() => queue.FailedReceives >= 10, TimeSpan.FromSeconds(30), "the pump stopped polling", TimeSpan.FromMilliseconds(20));

            Assert.Equal(LogLevel.Error, Assert.Single(_logs.Records, r => r.EventId.Id == 7103).Level);
            queue.Down = false;
            await queue.EnqueueAsync("works", "after", null, CancellationToken.None);
            await Eventually.HoldsAsync(
                () => !_handled.IsEmpty && _logs.Records.Any(r => r.EventId.Id == 7105), TimeSpan.FromSeconds(30), "the pump did not take up work again", TimeSpan.FromMilliseconds(20));

            Assert.False(pump.ExecuteTask!.IsCompleted, "the pump stopped");
            Assert.Single(_logs.Records, r => r.EventId.Id == 7105);
            Assert.Single(_logs.Records, r => r.EventId.Id == 7103);
        }
        finally
        {
            await pump.StopAsync(CancellationToken.None);
        }
    }

    private (WorkQueuePump Pump, FlakyQueue Queue) Pump(TimeSpan visibilityTimeout, Microsoft.Extensions.Hosting.IHostApplicationLifetime? lifetime = null)
    {
        var options = Options.Create(new WorkQueueOptions
        {
            VisibilityTimeout = visibilityTimeout,
            PollInterval = TimeSpan.FromMilliseconds(20),
            RetryDelay = TimeSpan.Zero,
            MaxRetryDelay = TimeSpan.FromMilliseconds(20),
            BatchSize = 10,
        });
        var queue = new FlakyQueue(new SqliteWorkQueue(new SqliteDatabase(Path.Combine(_folder, "labeling.db")), TimeProvider.System, options));
        IWorkHandler[] handlers =
        [
            new Handler("fails", _ => throw new InvalidOperationException("the handler failed")),
            new Handler("works", _handled.Enqueue),
            new Handler("busy", _ => throw new Microsoft.Data.Sqlite.SqliteException("SQLite Error 5: 'database is locked'.", 5)),
            // Done with the message just as the server began to stop.
            new Handler("finishes-at-stop", payload =>
            {
                _handled.Enqueue(payload);
                _stop.Cancel();
            }),
            // The server stopping in the middle of the message (the token it was given cancelled).
            new Handler("stops", _ =>
            {
                _stop.Cancel();
                _stop.Token.ThrowIfCancellationRequested();
            }),
        ];
        var logger = new LoggerFactory([_logs]).CreateLogger<WorkQueuePump>();
        return (new WorkQueuePump(queue, handlers, options, logger, lifetime), queue);
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

    // A host whose web server has not started yet (ApplicationStarted not fired) until Start is called.
    private sealed class NotYetStarted : Microsoft.Extensions.Hosting.IHostApplicationLifetime, IDisposable
    {
        private readonly CancellationTokenSource _started = new();

        public CancellationToken ApplicationStarted => _started.Token;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void Start() => _started.Cancel();

        public void StopApplication()
        {
        }

        public void Dispose() => _started.Dispose();
    }

    private sealed class FlakyQueue(IWorkQueue inner) : IWorkQueue
    {
        private int _failedReceives;

        public volatile bool Down;

        public volatile bool FailsToRecordFailures;

        public int FailedReceives => Volatile.Read(ref _failedReceives);

        public Task EnqueueAsync(string queue, string payload, string? dedupKey, CancellationToken cancellationToken) =>
            EnqueueAsync(queue, payload, dedupKey, null, cancellationToken);

        public Task EnqueueAsync(string queue, string payload, string? dedupKey, string? share, CancellationToken cancellationToken) =>
            inner.EnqueueAsync(queue, payload, dedupKey, share, cancellationToken);

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

        public Task ReturnAsync(WorkMessage message, string reason, TimeSpan delay, CancellationToken cancellationToken) =>
            inner.ReturnAsync(message, reason, delay, cancellationToken);

        public Task<(int Waiting, int Poisoned)> CountAsync(CancellationToken cancellationToken) => inner.CountAsync(cancellationToken);
    }
}
