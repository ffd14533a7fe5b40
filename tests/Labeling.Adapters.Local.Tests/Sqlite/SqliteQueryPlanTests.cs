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
    public async Task CountCrowdVotesQuery_Plan_ReadsTheCounterNotTheVotes()
    {
        var plan = await PlanAsync(SqliteItemStore.CrowdVotesQuery, ("$p", "p1"));

        Assert.DoesNotContain("votes USING", plan, StringComparison.Ordinal);
        Assert.Contains("SEARCH project_counters", plan, StringComparison.Ordinal);
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
