using Labeling.Adapters.Local.Events;
using Labeling.Adapters.Local.Sqlite;
using Labeling.Application.Events;
using Labeling.Application.Ports;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Labeling.Adapters.Local.Tests.Events;

/// <summary>A destination whose deliveries are durable only once synced (the events file) is recorded after its round's sync.</summary>
public sealed class DispatcherSyncTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("labeling-dispatch-sync-tests-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Round_ForASinkDurableOnSync_SyncsOnceThenRecordsEveryDelivery()
    {
        using var database = new SqliteDatabase(Path.Combine(_folder, "labeling.db"));
        await OutboxRows.InsertAsync(database, "itm_1-r1", "itm_2-r1", "itm_3-r1");
        var sink = new SyncingSink(() => DeliveredAsync(database));
        var dispatcher = Dispatcher(database, sink);

        Assert.Equal(3, await dispatcher.DispatchDueAsync(CancellationToken.None));

        Assert.Equal(["itm_1-r1", "itm_2-r1", "itm_3-r1"], sink.Delivered);
        Assert.Equal([0L], sink.RecordedAtSync); // one sync, before any delivery was recorded
        Assert.Equal(3, await DeliveredAsync(database));
        Assert.Equal(0, await dispatcher.DispatchDueAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Round_WhoseSyncFails_ChargesEachEventAnAttempt_PausesTheDestination_AndRetriesThemLater()
    {
        // A sync that failed ended the round with an exception: nothing was charged, nothing paused, the destination
        // counted as healthy, and every poll wrote the same events to the file again (10 lines for 2 events in 5 rounds,
        // a review measured).
        using var database = new SqliteDatabase(Path.Combine(_folder, "labeling.db"));
        await OutboxRows.InsertAsync(database, "itm_1-r1", "itm_2-r1");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var sink = new SyncingSink(() => DeliveredAsync(database)) { FailSync = true };
        var dispatcher = new EventDispatcher(new SqliteEventOutbox(database), [sink], time, Options.Create(new EventDeliveryOptions()), NullLogger<EventDispatcher>.Instance);

        Assert.Equal(2, await dispatcher.DispatchDueAsync(CancellationToken.None));
        Assert.Equal(0, await DeliveredAsync(database));
        Assert.Equal("file", Assert.Single(dispatcher.FailingDestinations()).Destination);
        for (var round = 0; round < 4; round++)
        {
            Assert.Equal(0, await dispatcher.DispatchDueAsync(CancellationToken.None));
        }

        Assert.Equal(2, sink.Delivered.Count);
        sink.FailSync = false;
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(2, await dispatcher.DispatchDueAsync(CancellationToken.None));
        Assert.Equal(["itm_1-r1", "itm_2-r1", "itm_1-r1", "itm_2-r1"], sink.Delivered);
        Assert.Equal(2, await DeliveredAsync(database));
        Assert.Empty(dispatcher.FailingDestinations());
    }

    private static EventDispatcher Dispatcher(SqliteDatabase database, IEventSink sink) =>
        new(new SqliteEventOutbox(database), [sink], TimeProvider.System, Options.Create(new EventDeliveryOptions()), NullLogger<EventDispatcher>.Instance);

    private static async Task<long> DeliveredAsync(SqliteDatabase database)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM deliveries WHERE destination = 'file' AND status = 'delivered'";
        return (long)(await count.ExecuteScalarAsync())!;
    }

    private sealed class SyncingSink(Func<Task<long>> recorded) : IEventSink
    {
        public List<string> Delivered { get; } = [];

        public List<long> RecordedAtSync { get; } = [];

        public bool FailSync { get; set; }

        public string Name => "file";

        public bool DurableOnSync => true;

        public Task DeliverAsync(OutboxEvent outboxEvent, CancellationToken cancellationToken)
        {
            Delivered.Add(outboxEvent.Id);
            return Task.CompletedTask;
        }

        public async Task SyncAsync(CancellationToken cancellationToken)
        {
            RecordedAtSync.Add(await recorded());
            if (FailSync)
            {
                throw new IOException("EIO");
            }
        }
    }
}
