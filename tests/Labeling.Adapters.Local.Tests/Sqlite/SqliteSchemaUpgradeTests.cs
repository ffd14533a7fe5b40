using Labeling.Adapters.Local.Sqlite;
using Labeling.Application.Ports;
using Labeling.Domain.Labelers;
using Labeling.Domain.Votes;
using Microsoft.Data.Sqlite;

namespace Labeling.Adapters.Local.Tests.Sqlite;

/// <summary>A data folder written by an earlier version opens and keeps its data.</summary>
public sealed class SqliteSchemaUpgradeTests : IDisposable
{
    // The votes table as the first versions created it (the table has not changed since; its indexes have).
    private const string OldVotesTable = """
        CREATE TABLE votes (seq INTEGER PRIMARY KEY AUTOINCREMENT, project_id TEXT NOT NULL, item_id TEXT NOT NULL, labeler_id TEXT NOT NULL,
            kind TEXT NOT NULL, label TEXT, at INTEGER NOT NULL, lease_id TEXT, UNIQUE (project_id, item_id, labeler_id));

        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("labeling-upgrade-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task InitializeAsync_LeasesTableWithoutReleasedAt_AddsTheColumnAndKeepsLeases()
    {
        var path = Path.Combine(_folder, "labeling.db");
        await ExecuteAsync(path, """
            CREATE TABLE leases (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, item_id TEXT NOT NULL, worker_id TEXT NOT NULL,
                created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, completed_at INTEGER);
            CREATE INDEX ix_leases_worker ON leases (project_id, worker_id, completed_at);
            INSERT INTO leases VALUES ('lse_old', 'p1', 'itm_a', 'worker:alice', 0, 300000, 1000);
            """);

        var database = new SqliteDatabase(path);
        var lease = await new SqliteLeaseStore(database).GetAsync("lse_old", CancellationToken.None);

        Assert.Equal("worker:alice", lease?.WorkerId);
        Assert.NotNull(lease?.CompletedAt);
        Assert.Null(lease?.ReleasedAt);

        // The index of every lease by worker gives way to the partial one of open leases, which needs released_at.
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var indexes = connection.CreateCommand();
        indexes.CommandText = "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'leases' AND sql IS NOT NULL ORDER BY name";
        var names = new List<string>();
        await using (var reader = await indexes.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                names.Add(reader.GetString(0));
            }
        }

        Assert.Equal(["ix_leases_item", "ix_leases_open"], names);
    }

    [Fact]
    public async Task InitializeAsync_VotesFromBeforeTheCounters_CountsThemOnceAndThenKeepsCounting()
    {
        var path = Path.Combine(_folder, "labeling.db");
        await ExecuteAsync(path, OldVotesTable + """
            INSERT INTO votes (project_id, item_id, labeler_id, kind, label, at) VALUES
                ('p1', 'itm_a', 'worker:alice', 'worker', 'spam', 0), ('p1', 'itm_b', 'worker:alice', 'worker', NULL, 0),
                ('p1', 'itm_a', 'rule:links', 'rule', 'spam', 0), ('p2', 'itm_c', 'worker:bob', 'worker', 'ham', 0);
            """);
        var database = new SqliteDatabase(path);
        var items = new SqliteItemStore(database, TimeProvider.System);

        Assert.Equal(2, await items.CountCrowdVotesAsync("p1", CancellationToken.None));
        Assert.Equal(1, (await items.CountAsync("p1", CancellationToken.None)).MachineVotes);
        Assert.Equal(1, await items.CountCrowdVotesAsync("p2", CancellationToken.None));
        Assert.Equal(0, await items.CountCrowdVotesAsync("p3", CancellationToken.None));

        // A second start must not count the same votes again.
        SqliteConnection.ClearAllPools();
        var restarted = new SqliteItemStore(new SqliteDatabase(path), TimeProvider.System);
        Assert.Equal(2, await restarted.CountCrowdVotesAsync("p1", CancellationToken.None));

        await restarted.CommitAsync(new ItemCommit("p1") { Votes = [new Vote("p1", "itm_c", "worker:carol", LabelerKind.Worker, "ham", DateTimeOffset.UnixEpoch, null)] }, CancellationToken.None);

        Assert.Equal(3, await restarted.CountCrowdVotesAsync("p1", CancellationToken.None));
        Assert.Equal(1, await restarted.CountCrowdVotesAsync("p2", CancellationToken.None));
    }

    [Fact]
    public async Task InitializeAsync_LabelersFromBeforeTheirVoteCounts_CountsEachLabelersVotesAndKeepsTheirRecords()
    {
        var path = Path.Combine(_folder, "labeling.db");
        await ExecuteAsync(path, OldVotesTable + """
            CREATE INDEX ix_votes_labeler ON votes (project_id, labeler_id);
            CREATE TABLE labelers (project_id TEXT NOT NULL, labeler_id TEXT NOT NULL, kind TEXT NOT NULL,
                checked INTEGER NOT NULL DEFAULT 0, agreed INTEGER NOT NULL DEFAULT 0, statistics TEXT, PRIMARY KEY (project_id, labeler_id));
            INSERT INTO votes (project_id, item_id, labeler_id, kind, label, at) VALUES
                ('p1', 'itm_a', 'worker:alice', 'worker', 'spam', 0), ('p1', 'itm_b', 'worker:alice', 'worker', NULL, 0),
                ('p1', 'itm_a', 'rule:links', 'rule', 'spam', 0), ('p2', 'itm_c', 'worker:alice', 'worker', 'ham', 0);
            INSERT INTO labelers (project_id, labeler_id, kind, checked, agreed, statistics) VALUES
                ('p1', 'worker:alice', 'worker', 0, 0, '{"kept":true}'), ('p1', 'rule:links', 'rule', 5, 4, NULL);
            PRAGMA user_version = 1;
            """);
        var database = new SqliteDatabase(path);
        var items = new SqliteItemStore(database, TimeProvider.System);

        Assert.Equal(new LabelerVotes(2, 1), await items.CountVotesByAsync("p1", "worker:alice", CancellationToken.None));
        Assert.Equal(new LabelerVotes(1, 0), await items.CountVotesByAsync("p1", "rule:links", CancellationToken.None));
        Assert.Equal(new LabelerVotes(1, 0), await items.CountVotesByAsync("p2", "worker:alice", CancellationToken.None));
        Assert.Equal(default, await items.CountVotesByAsync("p1", "worker:nobody", CancellationToken.None));
        var tracks = await new SqliteLabelerStore(database).GetMachineTracksAsync("p1", CancellationToken.None);
        Assert.Equal((5L, 4L), (tracks["rule:links"].Checked, tracks["rule:links"].Agreed));

        await items.CommitAsync(new ItemCommit("p1") { Votes = [new Vote("p1", "itm_c", "worker:alice", LabelerKind.Worker, "ham", DateTimeOffset.UnixEpoch, null)] }, CancellationToken.None);

        Assert.Equal(new LabelerVotes(3, 1), await items.CountVotesByAsync("p1", "worker:alice", CancellationToken.None));
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var check = connection.CreateCommand();
        check.CommandText = """
            SELECT (SELECT statistics FROM labelers WHERE project_id = 'p1' AND labeler_id = 'worker:alice')
                || ' ' || (SELECT COUNT(*) FROM sqlite_schema WHERE name = 'ix_votes_labeler')
                || ' ' || (SELECT user_version FROM pragma_user_version)
            """;
        Assert.Equal("""{"kept":true} 0 2""", await check.ExecuteScalarAsync());
    }

    [Fact]
    public async Task InitializeAsync_AnOlderServerWroteVotesAfterTheCountsBegan_CountsLabelersAndProjectAgain()
    {
        var path = Path.Combine(_folder, "labeling.db");
        var database = new SqliteDatabase(path);
        var items = new SqliteItemStore(database, TimeProvider.System);
        await items.CommitAsync(new ItemCommit("p1") { Votes = [new Vote("p1", "itm_a", "worker:alice", LabelerKind.Worker, "spam", DateTimeOffset.UnixEpoch, null)] }, CancellationToken.None);
        database.Dispose();
        SqliteConnection.ClearAllPools();

        // What a server from before the counts does on start and on a vote: its schema script creates the index, its
        // commit inserts the vote alone.
        await ExecuteAsync(path, """
            CREATE INDEX IF NOT EXISTS ix_votes_labeler ON votes (project_id, labeler_id);
            INSERT INTO votes (project_id, item_id, labeler_id, kind, label, at) VALUES ('p1', 'itm_b', 'worker:alice', 'worker', 'ham', 0);
            """);

        var restarted = new SqliteItemStore(new SqliteDatabase(path), TimeProvider.System);
        Assert.Equal(new LabelerVotes(2, 0), await restarted.CountVotesByAsync("p1", "worker:alice", CancellationToken.None));
        Assert.Equal(2, await restarted.CountCrowdVotesAsync("p1", CancellationToken.None));
    }

    [Fact]
    public async Task InitializeAsync_LabelersCountedBeforeUnsureAnswersWere_CountsEachLabelersUnsureAnswersOnceAndKeepsCounting()
    {
        var path = Path.Combine(_folder, "labeling.db");
        await ExecuteAsync(path, OldVotesTable + """
            CREATE TABLE labelers (project_id TEXT NOT NULL, labeler_id TEXT NOT NULL, kind TEXT NOT NULL,
                checked INTEGER NOT NULL DEFAULT 0, agreed INTEGER NOT NULL DEFAULT 0, statistics TEXT,
                votes INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (project_id, labeler_id));
            INSERT INTO votes (project_id, item_id, labeler_id, kind, label, at) VALUES
                ('p1', 'itm_a', 'worker:alice', 'worker', NULL, 0), ('p1', 'itm_b', 'worker:alice', 'worker', NULL, 0),
                ('p1', 'itm_c', 'worker:alice', 'worker', 'spam', 0), ('p2', 'itm_d', 'worker:alice', 'worker', NULL, 0);
            INSERT INTO labelers (project_id, labeler_id, kind, votes) VALUES
                ('p1', 'worker:alice', 'worker', 3), ('p2', 'worker:alice', 'worker', 1);
            PRAGMA user_version = 2;
            """);
        var database = new SqliteDatabase(path);
        var items = new SqliteItemStore(database, TimeProvider.System);

        Assert.Equal(new LabelerVotes(3, 2), await items.CountVotesByAsync("p1", "worker:alice", CancellationToken.None));
        Assert.Equal(new LabelerVotes(1, 1), await items.CountVotesByAsync("p2", "worker:alice", CancellationToken.None));

        await items.CommitAsync(new ItemCommit("p1") { Votes = [new Vote("p1", "itm_e", "worker:alice", LabelerKind.Worker, null, DateTimeOffset.UnixEpoch, null)] }, CancellationToken.None);
        database.Dispose();
        SqliteConnection.ClearAllPools();

        var restarted = new SqliteItemStore(new SqliteDatabase(path), TimeProvider.System);
        Assert.Equal(new LabelerVotes(4, 3), await restarted.CountVotesByAsync("p1", "worker:alice", CancellationToken.None));
    }

    [Fact]
    public async Task UnsureAnswers_WrittenByAServerFromBeforeTheirCount_AreCountedAllTheSame()
    {
        // An older server run on an upgraded database inserts votes and counts them, but knows nothing of unsure counts.
        var path = Path.Combine(_folder, "labeling.db");
        var database = new SqliteDatabase(path);
        var items = new SqliteItemStore(database, TimeProvider.System);
        await items.CommitAsync(new ItemCommit("p1") { Votes = [new Vote("p1", "itm_a", "worker:alice", LabelerKind.Worker, null, DateTimeOffset.UnixEpoch, null)] }, CancellationToken.None);
        database.Dispose();
        SqliteConnection.ClearAllPools();

        await ExecuteAsync(path, """
            INSERT INTO votes (project_id, item_id, labeler_id, kind, label, at) VALUES ('p1', 'itm_b', 'worker:alice', 'worker', NULL, 0);
            UPDATE labelers SET votes = votes + 1 WHERE project_id = 'p1' AND labeler_id = 'worker:alice';
            INSERT INTO votes (project_id, item_id, labeler_id, kind, label, at) VALUES ('p1', 'itm_b', 'worker:bob', 'worker', NULL, 0);
            INSERT INTO labelers (project_id, labeler_id, kind, votes) VALUES ('p1', 'worker:bob', 'worker', 1)
                ON CONFLICT (project_id, labeler_id) DO UPDATE SET votes = votes + 1;
            """);

        var restarted = new SqliteItemStore(new SqliteDatabase(path), TimeProvider.System);
        Assert.Equal(new LabelerVotes(2, 2), await restarted.CountVotesByAsync("p1", "worker:alice", CancellationToken.None));
        Assert.Equal(new LabelerVotes(1, 1), await restarted.CountVotesByAsync("p1", "worker:bob", CancellationToken.None));
    }

    [Fact]
    public async Task AProjectStoredBeforeVersions_ReadsAsVersion1_AndTakesItsChangeAsVersion2()
    {
        var path = Path.Combine(_folder, "labeling.db");
        var project = new Domain.Projects.Project(
            "old", "Old", new Domain.Projects.LabelSchema(Domain.Projects.TaskKind.SingleLabel, [new("spam", ""), new("ham", "")], ""),
            [], new Domain.Routing.RoutingSettings(), null, DateTimeOffset.UnixEpoch);
        Assert.True(await new SqliteProjectStore(new SqliteDatabase(path)).TryCreateAsync(project, CancellationToken.None));
        Assert.Equal(1L, await ScalarAsync(path, "SELECT json_extract(body, '$.version') FROM projects"));
        await ExecuteAsync(path, "UPDATE projects SET body = json_remove(body, '$.version')");
        Assert.Equal(DBNull.Value, await ScalarAsync(path, "SELECT json_extract(body, '$.version') FROM projects"));
        SqliteConnection.ClearAllPools();

        var store = new SqliteProjectStore(new SqliteDatabase(path));
        var read = await store.GetAsync("old", CancellationToken.None);

        Assert.Equal(1, read!.Version);
        Assert.True(await store.TryReplaceAsync(read with { Name = "Renamed", Version = 2 }, CancellationToken.None));
        Assert.Equal(("Renamed", 2), ((await store.GetCurrentAsync("old", CancellationToken.None))!.Name, (await store.GetCurrentAsync("old", CancellationToken.None))!.Version));
    }

    [Fact]
    public async Task InitializeAsync_QueueFromBeforeTurns_KeepsItsMessagesAndServesThemFirstInTheirOrder()
    {
        var path = Path.Combine(_folder, "labeling.db");
        await ExecuteAsync(path, """
            CREATE TABLE queue (id INTEGER PRIMARY KEY AUTOINCREMENT, queue TEXT NOT NULL, payload TEXT NOT NULL, dedup_key TEXT,
                status TEXT NOT NULL DEFAULT 'ready', visible_at INTEGER NOT NULL, dequeue_count INTEGER NOT NULL DEFAULT 0, receipt TEXT,
                last_error TEXT, created_at INTEGER NOT NULL);
            CREATE UNIQUE INDEX ux_queue_dedup ON queue (dedup_key) WHERE dedup_key IS NOT NULL AND status = 'ready';
            CREATE INDEX ix_queue_visible ON queue (status, visible_at, id);
            INSERT INTO queue (queue, payload, dedup_key, visible_at, created_at) VALUES
                ('label-requests', 'old-1', 'ingest:p1:doc:0', 0, 0), ('label-requests', 'old-2', 'ingest:p1:doc:1', 0, 0);
            """);
        var queue = new Labeling.Adapters.Local.Work.SqliteWorkQueue(new SqliteDatabase(path), TimeProvider.System, Microsoft.Extensions.Options.Options.Create(new Labeling.Adapters.Local.Work.WorkQueueOptions()));

        await queue.EnqueueAsync("label-requests", "new-1", "ingest:p2:doc:0", "p2", CancellationToken.None);
        await queue.EnqueueAsync("label-requests", "old-2 again", "ingest:p1:doc:1", "p1", CancellationToken.None);

        var served = await queue.ReceiveAsync(10, CancellationToken.None);
        Assert.Equal(["old-1", "old-2", "new-1"], served.Select(m => m.Payload));
        Assert.Equal(0L, await ScalarAsync(path, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'ix_queue_visible'"));
    }

    private static async Task<object?> ScalarAsync(string path, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    private static async Task ExecuteAsync(string path, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
