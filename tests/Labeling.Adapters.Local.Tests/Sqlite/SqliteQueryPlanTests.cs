using Labeling.Adapters.Local.Sqlite;
using Microsoft.Data.Sqlite;

namespace Labeling.Adapters.Local.Tests.Sqlite;

/// <summary>
/// The queries on every lease and vote stay index lookups, so their cost does not grow with the
/// project: no full scans, no sorts, no counting of the project's votes.
/// </summary>
public sealed class SqliteQueryPlanTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("labeling-plan-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task FindCandidatesQuery_Plan_SearchesIndexesAndDoesNotSort()
    {
        var plan = await PlanAsync(SqliteLeaseStore.CandidatesQuery, ("$p", "p1"), ("$w", "worker:a"), ("$now", 0L), ("$limit", 8));

        Assert.Contains("SEARCH i USING INDEX ix_items_pool", plan, StringComparison.Ordinal);
        Assert.Contains("SEARCH l USING COVERING INDEX ix_leases_item", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("SCAN", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AfterCursorQuery_Plan_StartsEachPartAtTheCursorInThePoolIndexAndDoesNotSort()
    {
        var plan = await PlanAsync(SqliteLeaseStore.AfterCursorQuery,
            ("$p", "p1"), ("$w", "worker:a"), ("$now", 0L), ("$limit", 8), ("$votes", 2L), ("$row", 100L));

        // A worker who skipped thousands of items is not walked past them again: the walk starts where the last one ended.
        Assert.Contains("SEARCH i USING INDEX ix_items_pool (project_id=? AND state=? AND crowd_votes=? AND rowid>?)", plan, StringComparison.Ordinal);
        Assert.Contains("SEARCH i USING INDEX ix_items_pool (project_id=? AND state=? AND crowd_votes<?)", plan, StringComparison.Ordinal);
        Assert.Contains("SEARCH l USING COVERING INDEX ix_leases_item", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE", plan, StringComparison.Ordinal);
        // The only scans are of the two parts' own rows, as they come.
        Assert.DoesNotContain("SCAN", plan.Replace("SCAN (subquery", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnseenQuery_Plan_SearchesIndexes()
    {
        var plan = await PlanAsync(SqliteLeaseStore.UnseenQuery, ("$p", "p1"), ("$w", "worker:a"));

        Assert.Contains("SEARCH i USING", plan, StringComparison.Ordinal);
        Assert.Contains("SEARCH l USING COVERING INDEX ix_leases_item", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("SCAN", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NextUpdate_Plan_SearchesThePoolInOrderThroughIndexesAndDoesNotSort()
    {
        var plan = await PlanAsync(SqliteLeaseStore.NextUpdate, ("$p", "p1"), ("$w", "worker:a"), ("$now", 0L), ("$lease", "lse_a"), ("$expires", 1L));

        Assert.Contains("SEARCH i USING INDEX ix_items_pool", plan, StringComparison.Ordinal);
        Assert.Contains("SEARCH l USING COVERING INDEX ix_leases_item", plan, StringComparison.Ordinal);
        Assert.Contains("SEARCH items USING INDEX sqlite_autoindex_items_1 (project_id=? AND id=?)", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("SCAN", plan, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(SqliteLeaseStore.FindOpenQuery))]
    [InlineData(nameof(SqliteLeaseStore.AcquireUpdate))]
    [InlineData(nameof(SqliteLeaseStore.NextUpdate))]
    public async Task OpenLeaseLookups_Plan_SearchTheIndexOfOpenLeasesOnly(string query)
    {
        var sql = query switch
        {
            nameof(SqliteLeaseStore.FindOpenQuery) => SqliteLeaseStore.FindOpenQuery,
            nameof(SqliteLeaseStore.NextUpdate) => SqliteLeaseStore.NextUpdate,
            _ => SqliteLeaseStore.AcquireUpdate,
        };

        var plan = await PlanAsync(sql, ("$p", "p1"), ("$w", "worker:a"), ("$now", 0L), ("$item", "itm_a"), ("$lease", "lse_a"), ("$expires", 1L));

        // The partial index holds only unused, unreleased leases; every lease a worker ever took would make the lookup
        // (and each grant's and vote's index writes) grow with the project.
        Assert.Contains("USING INDEX ix_leases_open (project_id=? AND worker_id=? AND expires_at>?)", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("SCAN", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkQueueReceive_Plan_WalksTheIndexOfDueMessagesAndDoesNotSort()
    {
        var plan = await PlanAsync(Labeling.Adapters.Local.Work.SqliteWorkQueue.ReceiveQuery, ("$now", 0L), ("$limit", 1));

        Assert.Contains("USING INDEX ix_queue_turn (status=?)", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkQueueEnqueue_Plan_SeeksTheSharesLastTurnAndTheClock()
    {
        var plan = await PlanAsync(Labeling.Adapters.Local.Work.SqliteWorkQueue.EnqueueQuery, ("$q", "q"), ("$payload", "{}"), ("$key", DBNull.Value), ("$share", "p1"), ("$now", 0L));

        Assert.Contains("USING COVERING INDEX ix_queue_share (share=?)", plan, StringComparison.Ordinal);
        Assert.Contains("SEARCH queue_clock USING INTEGER PRIMARY KEY (rowid=?)", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("SCAN", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CountCrowdVotesQuery_Plan_ReadsTheCounterNotTheVotes()
    {
        var plan = await PlanAsync(SqliteItemStore.CrowdVotesQuery, ("$p", "p1"));

        Assert.DoesNotContain("votes USING", plan, StringComparison.Ordinal);
        Assert.Contains("SEARCH project_counters", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LabelerVotesQuery_Plan_ReadsTheLabelersCounterNotTheVotes()
    {
        var plan = await PlanAsync(SqliteItemStore.LabelerVotesQuery, ("$p", "p1"), ("$l", "worker:a"));

        Assert.DoesNotContain("votes USING", plan, StringComparison.Ordinal);
        Assert.Contains("SEARCH labelers USING INDEX sqlite_autoindex_labelers_1 (project_id=? AND labeler_id=?)", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LabeledPageQuery_Plan_SearchesThePrimaryKeyFromThePageStartAndDoesNotSort()
    {
        var plan = await PlanAsync(SqliteItemStore.LabeledPageQuery, ("$p", "p1"), ("$after", "itm_a"), ("$limit", 500));

        // Each page of the export starts where the last ended: a scan of the project from its first item would make
        // the export's pages cost more and more.
        Assert.Contains("SEARCH items USING INDEX sqlite_autoindex_items_1 (project_id=? AND id>?)", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListQuery_Plan_StartsAtTheCursor_WithAndWithoutAState()
    {
        // With "($after IS NULL OR id > $after)" every page of the item list read the project from its first item: a page
        // near the end of 500,000 items took 100 ms instead of 10 (a review measured it).
        var byState = await PlanAsync(SqliteItemStore.ListQuery(byState: true, afterCursor: true), ("$p", "p1"), ("$state", "needs-review"), ("$after", "itm_a"), ("$limit", 100));
        var all = await PlanAsync(SqliteItemStore.ListQuery(byState: false, afterCursor: true), ("$p", "p1"), ("$after", "itm_a"), ("$limit", 100));

        Assert.Contains("(project_id=? AND id>?)", byState, StringComparison.Ordinal);
        Assert.Contains("SEARCH items USING INDEX sqlite_autoindex_items_1 (project_id=? AND id>?)", all, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE", all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OutboxReads_Plan_StartAtTheCursorAndSearchThePendingDeliveries()
    {
        // A round read every event kept (a week of delivered ones) to find those due: 81 ms with 200,000 kept.
        var untried = await PlanAsync(Labeling.Adapters.Local.Events.SqliteEventOutbox.UntriedQuery, ("$dest", "jsonl"), ("$after", 10L), ("$newest", 20L), ("$now", 0L), ("$limit", 100));
        var retries = await PlanAsync(Labeling.Adapters.Local.Events.SqliteEventOutbox.RetryQuery, ("$dest", "jsonl"), ("$now", 0L), ("$limit", 100));

        Assert.Contains("SEARCH o USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)", untried, StringComparison.Ordinal);
        Assert.Contains("SEARCH d USING COVERING INDEX sqlite_autoindex_deliveries_1 (event_id=? AND destination=?)", untried, StringComparison.Ordinal);
        Assert.DoesNotContain("SCAN", untried, StringComparison.Ordinal);
        Assert.Contains("USING INDEX ix_deliveries_pending (destination=? AND next_attempt_at<?)", retries, StringComparison.Ordinal);
        Assert.DoesNotContain("SCAN", retries, StringComparison.Ordinal);
    }

    private async Task<string> PlanAsync(string sql, params (string Name, object Value)[] parameters)
    {
        var database = new SqliteDatabase(Path.Combine(_folder, "labeling.db"));
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(3));
        }

        return string.Join('\n', lines);
    }
}
