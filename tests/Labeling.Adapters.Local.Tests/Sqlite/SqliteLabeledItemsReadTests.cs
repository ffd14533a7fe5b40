using Labeling.Adapters.Local.Sqlite;
using Labeling.Domain.Items;
using Microsoft.Data.Sqlite;

namespace Labeling.Adapters.Local.Tests.Sqlite;

/// <summary>
/// The export's read of a project's labeled items (<see cref="SqliteItemStore.ReadLabeledAsync"/>) goes at the
/// client's pace, so it must not hold a read open while it waits: a passive checkpoint cannot copy the WAL back past
/// an open read's snapshot, and a slow download grew the WAL by hundreds of megabytes (security probe 3, F4).
/// </summary>
public sealed class SqliteLabeledItemsReadTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Directory.CreateTempSubdirectory("labeling-export-read-").FullName;
    private readonly SqliteDatabase _database;
    private readonly SqliteItemStore _items;

    public SqliteLabeledItemsReadTests()
    {
        _database = new SqliteDatabase(Path.Combine(_folder, "labeling.db"));
        _items = new SqliteItemStore(_database, TimeProvider.System);
    }

    public void Dispose()
    {
        _database.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task ReadLabeledAsync_MoreItemsThanAPageInEveryState_EachLabeledItemOnceInIdOrder()
    {
        var states = new[] { ItemState.Decided, ItemState.Collecting, ItemState.AutoAccepted, ItemState.NeedsReview, ItemState.WeakLabeling };
        var items = Enumerable.Range(0, (2 * SqliteItemStore.LabeledPageSize) + 300)
            .Select(i => Item("p1", i, states[i % states.Length]))
            .ToList();
        items.Add(Item("p1", 5000, ItemState.Decided) with { Id = "itm_" });
        await _items.AddNewAsync(items, CancellationToken.None);
        await _items.AddNewAsync([Item("p2", 1, ItemState.Decided)], CancellationToken.None);

        var read = new List<Item>();
        await foreach (var item in _items.ReadLabeledAsync("p1", CancellationToken.None))
        {
            read.Add(item);
        }

        var expected = items.Where(i => i.HasLabel).Select(i => i.Id).Order(StringComparer.Ordinal).ToArray();
        Assert.True(expected.Length > SqliteItemStore.LabeledPageSize, "the fixture spans pages");
        Assert.Equal(expected, read.Select(i => i.Id));
        var last = items.Single(i => i.Id == read[^1].Id);
        Assert.Equal((last.Text, last.ExternalId, last.Label, last.Confidence, last.State), (read[^1].Text, read[^1].ExternalId, read[^1].Label, read[^1].Confidence, read[^1].State));
    }

    [Fact]
    public async Task ReadLabeledAsync_StreamHalfReadWhileItemsAreWritten_CheckpointCopiesTheWholeWal()
    {
        await _items.AddNewAsync(Enumerable.Range(0, SqliteItemStore.LabeledPageSize + 10).Select(i => Item("big", i, ItemState.Decided)).ToList(), CancellationToken.None);
        await using var export = _items.ReadLabeledAsync("big", CancellationToken.None).GetAsyncEnumerator();
        Assert.True(await export.MoveNextAsync());

        // Written while the export waits for its client to take the next row.
        for (var round = 0; round < 3; round++)
        {
            await _items.AddNewAsync(Enumerable.Range(round * 100, 100).Select(i => Item("other", i, ItemState.Collecting)).ToList(), CancellationToken.None);
        }

        var (busy, walFrames, copied) = await CheckpointAsync("PASSIVE");

        Assert.Equal(0, busy);
        Assert.True(walFrames > 0, "the writes are in the WAL");
        Assert.Equal(walFrames, copied);

        var rest = 1;
        while (await export.MoveNextAsync())
        {
            rest++;
        }

        Assert.Equal(SqliteItemStore.LabeledPageSize + 10, rest);
    }

    [Fact]
    public async Task WriteAfterFullCheckpoint_WalGrewPastTheLimit_WalFileIsCutBackToTheLimit()
    {
        // One transaction of 16 MB more than the limit: the WAL holds all of it, whatever the checkpoints do.
        var text = new string('x', 1024 * 1024);
        var megabytes = (int)(SqliteDatabase.JournalSizeLimit / (1024 * 1024)) + 16;
        await _items.AddNewAsync(Enumerable.Range(0, megabytes).Select(i => Item("big", i, ItemState.Decided) with { Text = text + i }).ToList(), CancellationToken.None);
        var wal = new FileInfo(_database.FilePath + "-wal");
        Assert.True(wal.Length > SqliteDatabase.JournalSizeLimit, $"the WAL grew to {wal.Length:N0} bytes");

        // The WAL starts over (and is cut back) at the first write after a checkpoint that copied every frame, unless a reader
        // still holds a snapshot of it at that moment: the database's own background checkpoint can, on a machine busy with
        // the other test classes (it failed about one run in three then). So a few rounds; without the size limit none cuts it.
        for (var round = 1; round <= 5; round++)
        {
            var (_, walFrames, copied) = await CheckpointAsync("PASSIVE");
            Assert.Equal(walFrames, copied);
            await _items.AddNewAsync([Item("small", round, ItemState.Collecting)], CancellationToken.None);
            wal.Refresh();
            if (wal.Length <= SqliteDatabase.JournalSizeLimit)
            {
                return;
            }

            await Task.Delay(200);
        }

        Assert.Fail($"the WAL is still {wal.Length:N0} bytes after five checkpoints and writes");
    }

    // On a connection of its own, as the database's background checkpoint runs: (busy, frames in the WAL, frames copied back).
    private async Task<(long Busy, long WalFrames, long Copied)> CheckpointAsync(string mode)
    {
        await using var connection = new SqliteConnection($"Data Source={_database.FilePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA wal_checkpoint({mode})";
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    private static Item Item(string projectId, int n, ItemState state)
    {
        var labeled = state is ItemState.Decided or ItemState.AutoAccepted;
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(n)));
        return new Item(projectId, Domain.Items.Item.IdFor(projectId, hash), "doc-1", $"row-{n}", $"ext-{n}", $"comment {n}", hash, state, null,
            labeled ? [0.9, 0.1] : null, labeled ? "spam" : null, labeled ? 0.9 : null, labeled ? DecidedBy.Crowd : null, 1, labeled ? 3 : 0, labeled ? 3 : 0, 2, At, At, null);
    }
}
