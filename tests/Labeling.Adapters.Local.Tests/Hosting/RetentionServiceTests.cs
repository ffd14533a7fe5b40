using System.ComponentModel.DataAnnotations;
using Labeling.Adapters.Local.Events;
using Labeling.Adapters.Local.Hosting;
using Labeling.Adapters.Local.Sqlite;
using Labeling.Application.Events;
using Labeling.Application.Ports;
using Labeling.TestSupport;
using Labeling.TestSupport.Logging;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Labeling.Adapters.Local.Tests.Hosting;

/// <summary>The pruning schedule: what a pass deletes with each setting, the drift reports it keeps, and when it runs.</summary>
public sealed class RetentionServiceTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Directory.CreateTempSubdirectory("labeling-retention-service-").FullName;
    private readonly FakeTimeProvider _time = new(At);
    private readonly SqliteDatabase _database;

    public RetentionServiceTests() => _database = new SqliteDatabase(Path.Combine(_folder, "labeling.db"));

    public void Dispose()
    {
        _database.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task RunOnceAsync_KeepsTheNewestDriftReportsOfEachProject()
    {
        var demo = Directory.CreateDirectory(Path.Combine(_folder, "reports", "drift", "demo")).FullName;
        var other = Directory.CreateDirectory(Path.Combine(_folder, "reports", "drift", "other")).FullName;
        string[] names = ["20261101T100000Z.json", "20261101T110000Z.json", "20261101T110000Z-2.json", "20261101T120000Z.json", "20261101T090000Z.json"];
        foreach (var name in names)
        {
            await File.WriteAllTextAsync(Path.Combine(demo, name), "{}");
        }

        await File.WriteAllTextAsync(Path.Combine(other, "20261101T080000Z.json"), "{}");
        // A report being written (its temporary name) is not a report yet.
        await File.WriteAllTextAsync(Path.Combine(demo, "20261101T130000Z.json.0123abcd.tmp"), "{");

        var pass = await Service(new RetentionOptions { DriftReportsPerProject = 2 }).RunOnceAsync(CancellationToken.None);

        // The second re-fit in a second (…Z-2) is the newer of the two.
        Assert.Equal(new RetentionPass(0, 0, 0, 3), pass);
        Assert.Equal(
            ["20261101T110000Z-2.json", "20261101T120000Z.json", "20261101T130000Z.json.0123abcd.tmp"],
            Directory.GetFiles(demo).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Single(Directory.GetFiles(other));
    }

    [Fact]
    public async Task RunOnceAsync_APeriodOfZero_KeepsThatKindOfRecord()
    {
        await AddOldRecordsAsync();
        _time.SetUtcNow(At.AddDays(30));

        var keepAll = new RetentionOptions { UsedLeases = TimeSpan.Zero, IdempotencyKeys = TimeSpan.Zero, DeliveredEvents = TimeSpan.Zero, DriftReportsPerProject = 0 };
        Assert.Equal(new RetentionPass(0, 0, 0, 0), await Service(keepAll).RunOnceAsync(CancellationToken.None));

        // The defaults, 7 days each: the same records, 30 days old, go.
        Assert.Equal(new RetentionPass(1, 1, 1, 0), await Service(new RetentionOptions()).RunOnceAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ExecuteAsync_PrunesAMinuteAfterStartThenEveryInterval_AndLogsWhatItDeleted()
    {
        await AddOldRecordsAsync();
        _time.SetUtcNow(At.AddDays(30));
        using var logs = new LogCollector();
        using var service = Service(new RetentionOptions { Interval = TimeSpan.FromHours(1) }, new LoggerFactory([logs]).CreateLogger<RetentionService>());
        await service.StartAsync(CancellationToken.None);

        // Nothing before the first minute is up.
        await Task.Delay(100);
        Assert.DoesNotContain(logs.Records, r => r.EventId.Id == 5301);

        _time.Advance(RetentionService.FirstPassDelay);
        await Eventually.HoldsAsync(() => logs.Records.Any(r => r.EventId.Id == 5301), TimeSpan.FromSeconds(10), "no pruning pass was logged");
        var pruned = logs.Records.Single(r => r.EventId.Id == 5301);
        Assert.Equal(1, pruned.State["UsedLeases"]);
        Assert.Equal(1, pruned.State["DeliveredEvents"]);

        // A pass that deletes nothing logs nothing.
        _time.Advance(TimeSpan.FromHours(1));
        await Task.Delay(200);
        Assert.Single(logs.Records, r => r.EventId.Id == 5301);
        await service.StopAsync(CancellationToken.None);
        Assert.DoesNotContain(logs.Records, r => r.Level >= LogLevel.Error);
    }

    [Theory]
    [InlineData("00:30:00", false)]
    [InlineData("00:00:00", true)]
    [InlineData("01:00:00", true)]
    public void IdempotencyKeys_ZeroOrAtLeastAnHour(string period, bool valid)
    {
        var options = new RetentionOptions { IdempotencyKeys = TimeSpan.Parse(period, System.Globalization.CultureInfo.InvariantCulture) };
        var results = new List<ValidationResult>();

        Assert.Equal(valid, Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true));
        Assert.Equal(valid, results.Count == 0);
    }

    // A used lease, its idempotent answer and a delivered event, all made at At.
    private async Task AddOldRecordsAsync()
    {
        var time = SqliteValues.Time(At);
        await using var connection = await _database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            INSERT INTO leases (id, project_id, item_id, worker_id, created_at, expires_at, completed_at) VALUES ('lse_1', 'p1', 'itm_1', 'worker:a', {time}, {time}, {time});
            INSERT INTO idempotency (caller_id, key, status, body, created_at) VALUES ('worker:a', 'k1', 200, 'null', {time});
            INSERT INTO outbox (id, project_id, item_id, type, payload, created_at) VALUES ('evt-1', 'p1', 'itm_1', 'label.ready', '{"{}"}', {time});
            INSERT INTO deliveries (event_id, destination, status, attempts, updated_at) VALUES ('evt-1', 'jsonl', 'delivered', 0, {time});
            """;
        await command.ExecuteNonQueryAsync();
    }

    private RetentionService Service(RetentionOptions options, ILogger<RetentionService>? logger = null)
    {
        var dispatcher = new EventDispatcher(
            new SqliteEventOutbox(_database), [new NamedSink("jsonl")], _time, Options.Create(new EventDeliveryOptions()), NullLogger<EventDispatcher>.Instance);
        return new RetentionService(
            new SqliteRetention(_database),
            dispatcher,
            _time,
            Options.Create(options),
            Options.Create(new LocalStorageOptions { DataDirectory = _folder }),
            logger ?? NullLogger<RetentionService>.Instance);
    }

    private sealed class NamedSink(string name) : IEventSink
    {
        public string Name => name;

        public Task DeliverAsync(OutboxEvent outboxEvent, CancellationToken cancellationToken) => throw new InvalidOperationException("Not delivered in these tests.");
    }
}
