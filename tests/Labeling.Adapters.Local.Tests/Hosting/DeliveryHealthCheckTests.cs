using Labeling.Adapters.Local.Events;
using Labeling.Adapters.Local.Hosting;
using Labeling.Adapters.Local.Sqlite;
using Labeling.Adapters.Local.Work;
using Labeling.Application.Events;
using Labeling.Application.Ports;
using Labeling.TestSupport.Logging;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Labeling.Adapters.Local.Tests.Hosting;

/// <summary>
/// /health answered Healthy while a webhook failed for hours, events were dead-lettered and queued work was poisoned: it
/// looked only at whether SQLite takes writes. Such work now makes it Degraded (still 200), saying why in the log.
/// </summary>
public sealed class DeliveryHealthCheckTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("labeling-delivery-health-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly SqliteDatabase _database;

    public DeliveryHealthCheckTests() => _database = new SqliteDatabase(Path.Combine(_folder, "labeling.db"));

    public void Dispose()
    {
        _database.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Check_DeadLettersPoisonedWorkOrAFailingDestination_IsDegradedSayingWhich_AndHealthyOnceCleared()
    {
        var outbox = new SqliteEventOutbox(_database);
        var sink = new FailingSink();
        var dispatcher = new EventDispatcher(outbox, [sink], _time, Options.Create(new EventDeliveryOptions()), NullLogger<EventDispatcher>.Instance);
        var queue = new SqliteWorkQueue(_database, _time, Options.Create(new WorkQueueOptions()));
        using var logs = new LogCollector();
        var check = new DeliveryHealthCheck(outbox, queue, dispatcher, _time, new LoggerFactory([logs]).CreateLogger<DeliveryHealthCheck>());
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);

        await new SqliteItemStore(_database, _time).CommitAsync(
            new ItemCommit("p1") { Events = [new OutboxEvent("itm_1-r1", "p1", "itm_1", "label.ready", "{}", _time.GetUtcNow())] }, CancellationToken.None);
        await dispatcher.DispatchDueAsync(CancellationToken.None);
        await outbox.MarkFailedAsync("failing", "itm_1-r1", 12, null, "HTTP 500", _time.GetUtcNow(), CancellationToken.None);
        await using (var connection = await _database.OpenAsync(CancellationToken.None))
        await using (var poison = connection.CreateCommand())
        {
            poison.CommandText = "INSERT INTO queue (queue, payload, status, visible_at, created_at) VALUES ('weak-label', '{}', 'poison', 0, 0)";
            await poison.ExecuteNonQueryAsync();
        }

        var degraded = await check.CheckHealthAsync(new HealthCheckContext());
        await check.CheckHealthAsync(new HealthCheckContext());

        // Minutes on, the same trouble reads differently (its minutes) but is not logged again: one warning an outage.
        _time.Advance(TimeSpan.FromMinutes(3));
        Assert.Contains("(3 min)", (await check.CheckHealthAsync(new HealthCheckContext())).Description, StringComparison.Ordinal);

        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Contains("failing has failed 1 time(s) in a row", degraded.Description, StringComparison.Ordinal);
        Assert.Contains("1 dead-lettered deliveries", degraded.Description, StringComparison.Ordinal);
        Assert.Contains("1 poisoned work-queue message(s)", degraded.Description, StringComparison.Ordinal);
        Assert.Single(logs.Records, r => r.EventId.Id == 1009);

        sink.Works = true;
        _time.Advance(TimeSpan.FromMinutes(10));
        await outbox.RequeueDeadLettersAsync(null, _time.GetUtcNow(), CancellationToken.None);
        await dispatcher.DispatchDueAsync(CancellationToken.None);
        await using (var connection = await _database.OpenAsync(CancellationToken.None))
        await using (var clear = connection.CreateCommand())
        {
            clear.CommandText = "DELETE FROM queue";
            await clear.ExecuteNonQueryAsync();
        }

        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
        Assert.Single(logs.Records, r => r.EventId.Id == 1010);
    }

    [Fact]
    public async Task Check_DeadLettersOfADestinationNoLongerConfigured_DoNotDegradeIt()
    {
        // Redelivery takes a configured destination, so nothing could clear them: the server stayed degraded for good.
        var outbox = new SqliteEventOutbox(_database);
        var dispatcher = new EventDispatcher(outbox, [new FailingSink { Works = true }], _time, Options.Create(new EventDeliveryOptions()), NullLogger<EventDispatcher>.Instance);
        var queue = new SqliteWorkQueue(_database, _time, Options.Create(new WorkQueueOptions()));
        var check = new DeliveryHealthCheck(outbox, queue, dispatcher, _time, NullLogger<DeliveryHealthCheck>.Instance);
        await new SqliteItemStore(_database, _time).CommitAsync(
            new ItemCommit("p1") { Events = [new OutboxEvent("itm_1-r1", "p1", "itm_1", "label.ready", "{}", _time.GetUtcNow())] }, CancellationToken.None);
        await dispatcher.DispatchDueAsync(CancellationToken.None);

        await outbox.MarkFailedAsync("webhook:removed", "itm_1-r1", 12, null, "HTTP 500", _time.GetUtcNow(), CancellationToken.None);

        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
        Assert.Single(await outbox.ListDeadLettersAsync(10, CancellationToken.None));
    }

    private sealed class FailingSink : IEventSink
    {
        public bool Works { get; set; }

        public string Name => "failing";

        public Task DeliverAsync(OutboxEvent outboxEvent, CancellationToken cancellationToken) =>
            Works ? Task.CompletedTask : throw new HttpRequestException("HTTP 503");
    }
}
