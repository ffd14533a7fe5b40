using Labeling.Adapters.Local.Sqlite;
using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Domain.Labelers;
using Labeling.Domain.Votes;
using Microsoft.Data.Sqlite;

namespace Labeling.Adapters.Local.Tests.Sqlite;

/// <summary>
/// Writes that share one transaction (group commit) behave as if each had committed alone: one that fails
/// takes nothing else down, and a queued vote that fails stops the project's later commits, which were
/// computed after it, until the project's model state is loaded again.
/// </summary>
public sealed class SqliteGroupCommitTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Directory.CreateTempSubdirectory("labeling-group-").FullName;
    private readonly SqliteDatabase _database;

    public SqliteGroupCommitTests() => _database = new SqliteDatabase(Path.Combine(_folder, "labeling.db"));

    public void Dispose()
    {
        _database.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task WriteAsync_ManyConcurrentWritesSomeFailing_EveryOtherWriteIsSavedAndEachFailureReachesItsCaller()
    {
        await _database.InitializeAsync(CancellationToken.None);

        var writes = Enumerable.Range(0, 60).Select(i => _database.WriteAsync(
            write =>
            {
                var insert = write.Prepared("INSERT INTO project_counters (project_id, crowd_votes) VALUES ($p, 1)");
                insert.Add("$p", $"p{i}");
                insert.ExecuteNonQuery();
                return i % 7 == 3 ? throw new InvalidOperationException($"write {i} refused") : i;
            },
            CancellationToken.None)).ToArray();
        var outcomes = await Task.WhenAll(writes.Select(async w =>
        {
            try
            {
                return (Saved: await w, Error: (string?)null);
            }
            catch (InvalidOperationException ex)
            {
                return (Saved: -1, Error: ex.Message);
            }
        }));

        var expectedSaved = Enumerable.Range(0, 60).Where(i => i % 7 != 3).ToArray();
        Assert.Equal(expectedSaved, outcomes.Where(o => o.Error is null).Select(o => o.Saved).Order());
        Assert.Equal(60 - expectedSaved.Length, outcomes.Count(o => o.Error is not null));
        Assert.Equal(expectedSaved.Select(i => $"p{i}").Order(), await StoredProjectsAsync());
    }

    [Fact]
    public async Task CommitQueuedAsync_AQueuedCommitFails_LaterCommitsOfThatProjectFailUntilItsStateIsLoadedAgain()
    {
        var items = new SqliteItemStore(_database, TimeProvider.System);
        var labelers = new SqliteLabelerStore(_database);

        var failing = items.CommitQueuedAsync(new ItemCommit("p1") { CompletedLeaseId = "lse_missing", Votes = [VoteOn("p1", "itm_a")] });
        var computedAfterIt = items.CommitQueuedAsync(new ItemCommit("p1") { Votes = [VoteOn("p1", "itm_b")] });
        var otherProject = items.CommitQueuedAsync(new ItemCommit("p2") { Votes = [VoteOn("p2", "itm_c")] });

        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => failing);
        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => computedAfterIt);
        await otherProject;
        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => items.CommitAsync(new ItemCommit("p1") { Votes = [VoteOn("p1", "itm_d")] }, CancellationToken.None));

        await labelers.LoadTruthStateAsync("p1", ["spam", "ham"], CancellationToken.None);
        await items.CommitQueuedAsync(new ItemCommit("p1") { Votes = [VoteOn("p1", "itm_e")] });

        Assert.Equal(1, await items.CountCrowdVotesAsync("p1", CancellationToken.None));
        Assert.Equal(1, await items.CountCrowdVotesAsync("p2", CancellationToken.None));
        Assert.Equal(["itm_e"], (await items.GetVotesAsync("p1", "itm_e", CancellationToken.None)).Select(v => v.ItemId));
    }

    [Fact]
    public async Task CommitAsync_APlainCommitFails_LaterCommitsOfTheProjectAreSaved()
    {
        var items = new SqliteItemStore(_database, TimeProvider.System);

        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => items.CommitAsync(new ItemCommit("p1") { CompletedLeaseId = "lse_missing" }, CancellationToken.None));
        await items.CommitAsync(new ItemCommit("p1") { Votes = [VoteOn("p1", "itm_a")] }, CancellationToken.None);
        await items.CommitQueuedAsync(new ItemCommit("p1") { Votes = [VoteOn("p1", "itm_b")] });

        Assert.Equal(2, await items.CountCrowdVotesAsync("p1", CancellationToken.None));
    }

    [Fact]
    public async Task Connections_ReadSessionsAndTheGroupCommitWriter_KeepTemporaryDataInMemoryAndSyncAtCheckpoints()
    {
        await _database.InitializeAsync(CancellationToken.None);

        long tempStore, synchronous;
        using (var read = await _database.ReadAsync(CancellationToken.None))
        {
            tempStore = (long)read.Prepared("PRAGMA temp_store").ExecuteScalar()!;
            synchronous = (long)read.Prepared("PRAGMA synchronous").ExecuteScalar()!;
        }

        var writer = await _database.WriteAsync(
            write => ((long)write.Prepared("PRAGMA temp_store").ExecuteScalar()!, (long)write.Prepared("PRAGMA synchronous").ExecuteScalar()!),
            CancellationToken.None);

        // temp_store 2 = MEMORY: a batch's savepoint journals never spill to a temporary file. synchronous 1 = NORMAL.
        Assert.Equal((2L, 1L), (tempStore, synchronous));
        Assert.Equal((2L, 1L), writer);
    }

    private static Vote VoteOn(string projectId, string itemId) => new(projectId, itemId, "worker:alice", LabelerKind.Worker, "spam", At, null);

    private async Task<List<string>> StoredProjectsAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={_database.FilePath};Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT project_id FROM project_counters ORDER BY project_id";
        var projects = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            projects.Add(reader.GetString(0));
        }

        return projects.Order().ToList();
    }
}
