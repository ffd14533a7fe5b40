using System.Collections.Concurrent;
using Labeling.Adapters.Local.Events;
using Labeling.Adapters.Local.Sqlite;
using Labeling.Application.Events;
using Labeling.Application.Ports;
using Labeling.TestSupport;
using Labeling.TestSupport.Logging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Labeling.Adapters.Local.Tests.Events;

/// <summary>The background dispatcher with a webhook that never answers and an outbox whose database fails for a while.</summary>
public sealed class OutboxDispatcherServiceTests : IAsyncLifetime
{
    private const string Secret = "a-local-test-secret";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "labeling-dispatcher-tests", Guid.NewGuid().ToString("N"));
    private readonly ConcurrentQueue<string> _received = new();
    private readonly LogCollector _logs = new();
    private WebApplication? _receiver;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _receiver = builder.Build();
        _receiver.MapHangingPost("/hang");
        _receiver.MapPost("/hook", (HttpRequest request) =>
        {
            _received.Enqueue(request.Headers["webhook-id"].ToString());
            return Results.NoContent();
        });
        await _receiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _receiver!.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task Run_WhileOneWebhookHangs_TheOtherGetsEveryNewEventAtOnce()
    {
        // One round served every destination and the next round waited for the slowest: while a webhook hung (up to
        // its Timeout, 5 minutes at most, per event), no other destination received anything.
        var database = new SqliteDatabase(Path.Combine(_folder, "labeling.db"));
        var service = Service(new SqliteEventOutbox(database), Hook("stuck", "/hang", TimeSpan.FromSeconds(30)), Hook("ml", "/hook", TimeSpan.FromSeconds(10)));
        await service.StartAsync(CancellationToken.None);
        try
        {
            await OutboxRows.InsertAsync(database, "itm_1-r1");
            await WaitForAsync(() => _received.Contains("itm_1-r1"), "the working webhook did not get the first event while the other hung");
            await OutboxRows.InsertAsync(database, "itm_2-r1");
            await WaitForAsync(() => _received.Contains("itm_2-r1"), "the working webhook did not get the next event while the other hung");
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Run_WhileTheOutboxFailsForManyPolls_LogsOnceAndTheRecovery_AndDeliversAfter()
    {
        // Every poll (500 ms by default) logged the same error while the database failed.
        var database = new SqliteDatabase(Path.Combine(_folder, "labeling.db"));
        var outbox = new FlakyOutbox(new SqliteEventOutbox(database)) { Down = true };
        var service = Service(outbox, Hook("ml", "/hook", TimeSpan.FromSeconds(10)));
        await service.StartAsync(CancellationToken.None);
        try
        {
            await WaitForAsync(() => outbox.FailedReads >= 10, "the dispatcher stopped polling");
            var failed = Assert.Single(_logs.Records, r => r.EventId.Id == 5101);
            Assert.Contains("webhook:ml", failed.Message, StringComparison.Ordinal);
            outbox.Down = false;
            await OutboxRows.InsertAsync(database, "itm_1-r1");
            await WaitForAsync(() => _received.Contains("itm_1-r1"), "the dispatcher did not deliver again");
            await WaitForAsync(() => _logs.Records.Any(r => r.EventId.Id == 5102), "the recovery was not logged");
            Assert.False(service.ExecuteTask!.IsCompleted, "the dispatcher stopped");
            Assert.Single(_logs.Records, r => r.EventId.Id == 5102);
            Assert.Single(_logs.Records, r => r.EventId.Id == 5101);
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Run_RecordingADeliveryFails_TheEventIsSentAgainAndNeverDeadLettered()
    {
        // A failed write of the delivery record (the database locked) was taken for a failed delivery: an attempt was
        // counted against the webhook that had the event and, at the last attempt, the event was dead-lettered (listed
        // by GET /api/events/dead-letters as never accepted) while the receiver had it.
        var database = new SqliteDatabase(Path.Combine(_folder, "labeling.db"));
        var inner = new SqliteEventOutbox(database);
        var outbox = new FlakyOutbox(inner) { DeliveryMarksToFail = 1 };
        var service = Service(outbox, new EventDeliveryOptions { PollInterval = TimeSpan.FromMilliseconds(20), MaxAttempts = 1 }, Hook("ml", "/hook", TimeSpan.FromSeconds(10)));
        await OutboxRows.InsertAsync(database, "itm_1-r1");
        await service.StartAsync(CancellationToken.None);
        try
        {
            await WaitForAsync(
                () => outbox.DeliveryMarksToFail < 0 && inner.ReadDueAsync("webhook:ml", DateTimeOffset.UtcNow, 10, CancellationToken.None).Result.Count == 0,
                "the event was never recorded as delivered");
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }

        Assert.Empty(await inner.ListDeadLettersAsync(10, CancellationToken.None));
        // At-least-once: the receiver had it before the record failed, and has it again.
        Assert.Equal(2, _received.Count(id => id == "itm_1-r1"));
    }

    // 5 s was tight for a first delivery (a new database, a new HTTP connection) on a loaded CI machine. Kept under the
    // hanging webhook's 30 s Timeout, so a dispatcher that waited for that webhook still fails the first test.
    private static Task WaitForAsync(Func<bool> condition, string failure) =>
        Eventually.HoldsAsync(condition, TimeSpan.FromSeconds(20), failure, TimeSpan.FromMilliseconds(20));

    private WebhookEventSink Hook(string name, string path, TimeSpan timeout) =>
        new(new HttpClient(), new WebhookOptions { Name = name, Url = new Uri(_receiver!.Urls.Single() + path), Secret = Secret, Timeout = timeout }, TimeProvider.System);

    private OutboxDispatcherService Service(IEventOutbox outbox, params IEventSink[] sinks) =>
        Service(outbox, new EventDeliveryOptions { PollInterval = TimeSpan.FromMilliseconds(20) }, sinks);

    private OutboxDispatcherService Service(IEventOutbox outbox, EventDeliveryOptions delivery, params IEventSink[] sinks)
    {
        var loggers = new LoggerFactory([_logs]);
        var options = Options.Create(delivery);
        var dispatcher = new EventDispatcher(outbox, sinks, TimeProvider.System, options, loggers.CreateLogger<EventDispatcher>());
        return new OutboxDispatcherService(dispatcher, options, loggers.CreateLogger<OutboxDispatcherService>());
    }

    private sealed class FlakyOutbox(IEventOutbox inner) : IEventOutbox
    {
        private int _failedReads;

        public volatile bool Down;

        public int DeliveryMarksToFail;

        public int FailedReads => Volatile.Read(ref _failedReads);

        public Task<IReadOnlyList<DueEvent>> ReadDueAsync(string destination, DateTimeOffset now, int limit, CancellationToken cancellationToken)
        {
            if (Down)
            {
                Interlocked.Increment(ref _failedReads);
                throw new InvalidOperationException("the database is down");
            }

            return inner.ReadDueAsync(destination, now, limit, cancellationToken);
        }

        public Task MarkDeliveredAsync(string destination, string eventId, DateTimeOffset at, CancellationToken cancellationToken) =>
            Interlocked.Decrement(ref DeliveryMarksToFail) >= 0
                ? throw new InvalidOperationException("database is locked")
                : inner.MarkDeliveredAsync(destination, eventId, at, cancellationToken);

        public Task MarkFailedAsync(string destination, string eventId, int attempts, DateTimeOffset? retryAt, string error, DateTimeOffset at, CancellationToken cancellationToken) =>
            inner.MarkFailedAsync(destination, eventId, attempts, retryAt, error, at, cancellationToken);

        public Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(int limit, CancellationToken cancellationToken) =>
            inner.ListDeadLettersAsync(limit, cancellationToken);

        public Task<int> RequeueDeadLettersAsync(string? destination, DateTimeOffset now, CancellationToken cancellationToken) =>
            inner.RequeueDeadLettersAsync(destination, now, cancellationToken);

        public Task<int> ResumeAsync(string destination, DateTimeOffset now, CancellationToken cancellationToken) =>
            inner.ResumeAsync(destination, now, cancellationToken);
    }
}
