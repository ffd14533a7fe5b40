using Microsoft.Data.Sqlite;

namespace Labeling.Adapters.Local.Sqlite;

/// <summary>The tables. Every table is keyed by project first, mirroring the document store's partitions.</summary>
internal static class SqliteSchema
{
    /// <summary>The <c>user_version</c> from which <c>project_counters</c> holds every vote.</summary>
    private const int CountersVersion = 1;

    /// <summary>The <c>user_version</c> from which each <c>labelers</c> row counts its labeler's votes (and <c>ix_votes_labeler</c> is gone).</summary>
    private const int LabelerVotesVersion = 2;

    /// <summary>
    /// The leases not yet used or released, by worker (a worker's open lease; created after <c>released_at</c> exists).
    /// Partial, so it stays as small as the number of open leases: a grant adds an entry, a vote or a release removes
    /// it, and only leases that expired unused stay (their <c>expires_at</c> keeps them out of the range searched).
    /// </summary>
    internal const string OpenLeasesIndex = """
        CREATE INDEX IF NOT EXISTS ix_leases_open ON leases (project_id, worker_id, expires_at)
            WHERE completed_at IS NULL AND released_at IS NULL;
        """;

    /// <summary>
    /// Counts an unsure answer (a vote without a label) on its labeler's row as the vote is inserted. The row is made
    /// if needed; the commit's own upsert then counts the vote itself.
    /// </summary>
    internal const string UnsureTrigger = """
        CREATE TRIGGER IF NOT EXISTS tr_votes_unsure AFTER INSERT ON votes WHEN NEW.label IS NULL
        BEGIN
            INSERT OR IGNORE INTO labelers (project_id, labeler_id, kind) VALUES (NEW.project_id, NEW.labeler_id, NEW.kind);
            UPDATE labelers SET unsure = unsure + 1 WHERE project_id = NEW.project_id AND labeler_id = NEW.labeler_id;
        END;
        """;

    /// <summary>
    /// Counts, per project, the items that entered the crowd pool (state <c>collecting</c>, inserted so or changed to it), by
    /// triggers, so that every writer keeps the count, an older server's included. A worker found to have seen every item of
    /// the pool has seen them all for as long as the count stands (<see cref="SqliteLeaseStore"/>): votes and the leases that
    /// remember skips are not taken back, so only an item entering the pool gives the worker something new.
    /// </summary>
    internal const string PoolEntries = """
        CREATE TABLE IF NOT EXISTS pool_entries (
            project_id TEXT PRIMARY KEY,
            entries INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TRIGGER IF NOT EXISTS tr_items_pool_insert AFTER INSERT ON items WHEN NEW.state = 'collecting'
        BEGIN
            INSERT INTO pool_entries (project_id, entries) VALUES (NEW.project_id, 1)
                ON CONFLICT (project_id) DO UPDATE SET entries = entries + 1;
        END;
        CREATE TRIGGER IF NOT EXISTS tr_items_pool_update AFTER UPDATE OF state ON items
            WHEN NEW.state = 'collecting' AND OLD.state IS NOT 'collecting'
        BEGIN
            INSERT INTO pool_entries (project_id, entries) VALUES (NEW.project_id, 1)
                ON CONFLICT (project_id) DO UPDATE SET entries = entries + 1;
        END;
        """;

    public const string Script = """
        CREATE TABLE IF NOT EXISTS projects (
            id TEXT PRIMARY KEY,
            body TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            deleted_at INTEGER,
            purged_at INTEGER);

        CREATE TABLE IF NOT EXISTS documents (
            project_id TEXT NOT NULL,
            id TEXT NOT NULL,
            body TEXT NOT NULL,
            received_at INTEGER NOT NULL,
            PRIMARY KEY (project_id, id));

        CREATE TABLE IF NOT EXISTS items (
            project_id TEXT NOT NULL,
            id TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            document_id TEXT,
            state TEXT NOT NULL,
            crowd_votes INTEGER NOT NULL,
            revision INTEGER NOT NULL,
            lease_id TEXT,
            lease_worker TEXT,
            lease_expires INTEGER,
            body TEXT NOT NULL,
            evidence TEXT,
            PRIMARY KEY (project_id, id));
        CREATE UNIQUE INDEX IF NOT EXISTS ux_items_hash ON items (project_id, content_hash);
        CREATE INDEX IF NOT EXISTS ix_items_pool ON items (project_id, state, crowd_votes DESC);
        CREATE INDEX IF NOT EXISTS ix_items_document ON items (project_id, document_id);

        CREATE TABLE IF NOT EXISTS votes (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            project_id TEXT NOT NULL,
            item_id TEXT NOT NULL,
            labeler_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            label TEXT,
            at INTEGER NOT NULL,
            lease_id TEXT,
            UNIQUE (project_id, item_id, labeler_id));

        CREATE TABLE IF NOT EXISTS project_counters (
            project_id TEXT PRIMARY KEY,
            crowd_votes INTEGER NOT NULL DEFAULT 0,
            machine_votes INTEGER NOT NULL DEFAULT 0);

        CREATE TABLE IF NOT EXISTS labelers (
            project_id TEXT NOT NULL,
            labeler_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            checked INTEGER NOT NULL DEFAULT 0,
            agreed INTEGER NOT NULL DEFAULT 0,
            statistics TEXT,
            votes INTEGER NOT NULL DEFAULT 0,
            unsure INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (project_id, labeler_id));

        CREATE TABLE IF NOT EXISTS class_counts (
            project_id TEXT NOT NULL,
            capability TEXT NOT NULL,
            correction TEXT NOT NULL,
            PRIMARY KEY (project_id, capability));

        CREATE TABLE IF NOT EXISTS leases (
            id TEXT PRIMARY KEY,
            project_id TEXT NOT NULL,
            item_id TEXT NOT NULL,
            worker_id TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            completed_at INTEGER,
            released_at INTEGER);
        CREATE INDEX IF NOT EXISTS ix_leases_item ON leases (project_id, item_id, worker_id);

        CREATE TABLE IF NOT EXISTS idempotency (
            caller_id TEXT NOT NULL,
            key TEXT NOT NULL,
            status INTEGER NOT NULL,
            body TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (caller_id, key));

        CREATE TABLE IF NOT EXISTS outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            project_id TEXT NOT NULL,
            item_id TEXT NOT NULL,
            type TEXT NOT NULL,
            payload TEXT NOT NULL,
            created_at INTEGER NOT NULL);

        CREATE TABLE IF NOT EXISTS deliveries (
            event_id TEXT NOT NULL,
            destination TEXT NOT NULL,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            next_attempt_at INTEGER,
            last_error TEXT,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (event_id, destination));

        CREATE INDEX IF NOT EXISTS ix_deliveries_dead ON deliveries (updated_at) WHERE status = 'dead';
        CREATE INDEX IF NOT EXISTS ix_deliveries_pending ON deliveries (destination, next_attempt_at) WHERE status = 'pending';

        CREATE TABLE IF NOT EXISTS queue (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            queue TEXT NOT NULL,
            payload TEXT NOT NULL,
            dedup_key TEXT,
            status TEXT NOT NULL DEFAULT 'ready',
            visible_at INTEGER NOT NULL,
            dequeue_count INTEGER NOT NULL DEFAULT 0,
            receipt TEXT,
            last_error TEXT,
            created_at INTEGER NOT NULL,
            share TEXT NOT NULL DEFAULT '',
            turn INTEGER NOT NULL DEFAULT 0);
        CREATE UNIQUE INDEX IF NOT EXISTS ux_queue_dedup ON queue (dedup_key) WHERE dedup_key IS NOT NULL AND status = 'ready';

        CREATE TABLE IF NOT EXISTS queue_clock (
            id INTEGER PRIMARY KEY CHECK (id = 0),
            served INTEGER NOT NULL);
        """;

    /// <summary>
    /// The work queue's order (created once <c>share</c> and <c>turn</c> exist): the waiting messages by turn, with the time
    /// each is due, so that a receive walks them in turn and skips the hidden ones without reading the table; and each
    /// share's waiting messages by turn, which gives a message queued the turn after its share's last.
    /// </summary>
    internal const string QueueTurnIndexes = """
        CREATE INDEX IF NOT EXISTS ix_queue_turn ON queue (status, turn, id, visible_at);
        CREATE INDEX IF NOT EXISTS ix_queue_share ON queue (share, turn) WHERE status = 'ready';
        DROP INDEX IF EXISTS ix_queue_visible;
        """;

    /// <summary>
    /// Brings a database created by an earlier version up to <see cref="Script"/>: <c>CREATE ... IF NOT
    /// EXISTS</c> adds new tables and indexes but not new columns. Idempotent.
    /// </summary>
    public static async Task UpgradeAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        if (!await HasColumnAsync(connection, "leases", "released_at", cancellationToken).ConfigureAwait(false))
        {
            await using var alter = SqliteValues.Command(connection, "ALTER TABLE leases ADD COLUMN released_at INTEGER");
            await alter.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // A deleted project keeps its row, marked (SqliteProjectPurge): the id is not used again.
        if (!await HasColumnAsync(connection, "projects", "deleted_at", cancellationToken).ConfigureAwait(false))
        {
            await using var alter = SqliteValues.Command(connection, """
                BEGIN IMMEDIATE;
                ALTER TABLE projects ADD COLUMN deleted_at INTEGER;
                ALTER TABLE projects ADD COLUMN purged_at INTEGER;
                COMMIT;
                """);
            await alter.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (!await HasColumnAsync(connection, "labelers", "votes", cancellationToken).ConfigureAwait(false))
        {
            await using var alter = SqliteValues.Command(connection, "ALTER TABLE labelers ADD COLUMN votes INTEGER NOT NULL DEFAULT 0");
            await alter.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // Each labeler's unsure answers are counted by a trigger on the votes table rather than by the commit, so that a
        // server from before the count, run on this database, keeps it too (its commits insert votes the same way).
        if (!await HasColumnAsync(connection, "labelers", "unsure", cancellationToken).ConfigureAwait(false))
        {
            // Each labeler's "unsure" answers (a worker who mostly answers unsure is retired, WorkerRetirement.MostlyUnsure),
            // counted once from the votes already there; from then on every commit keeps the count.
            await using var alter = SqliteValues.Command(connection, """
                BEGIN IMMEDIATE;
                ALTER TABLE labelers ADD COLUMN unsure INTEGER NOT NULL DEFAULT 0;
                UPDATE labelers SET unsure = (SELECT COUNT(*) FROM votes v
                    WHERE v.project_id = labelers.project_id AND v.labeler_id = labelers.labeler_id AND v.label IS NULL);
                COMMIT;
                """);
            await alter.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // Shares and turns (each project's work served in turn, SqliteWorkQueue): messages queued before them take share ''
        // and turn 0, so they go first, in the order they came, as they would have.
        if (!await HasColumnAsync(connection, "queue", "turn", cancellationToken).ConfigureAwait(false))
        {
            await using var alter = SqliteValues.Command(connection, """
                BEGIN IMMEDIATE;
                ALTER TABLE queue ADD COLUMN share TEXT NOT NULL DEFAULT '';
                ALTER TABLE queue ADD COLUMN turn INTEGER NOT NULL DEFAULT 0;
                COMMIT;
                """);
            await alter.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var turns = SqliteValues.Command(connection, QueueTurnIndexes))
        {
            await turns.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var trigger = SqliteValues.Command(connection, UnsureTrigger))
        {
            await trigger.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var entries = SqliteValues.Command(connection, PoolEntries))
        {
            await entries.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // Indexes no query uses any more; each cost a page write per vote. ix_leases_worker held every lease a
        // worker ever took and moved its entry when the lease was used (a fifth of the WAL pages a vote wrote);
        // ix_leases_open holds only the leases still open, a few pages that every grant and vote share.
        await using (var drop = SqliteValues.Command(connection, $"DROP INDEX IF EXISTS ix_items_lease; DROP INDEX IF EXISTS ix_votes_kind; DROP INDEX IF EXISTS ix_leases_worker; {OpenLeasesIndex}"))
        {
            await drop.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // ix_votes_labeler on a database that was counted means an older server ran on it since (its schema script creates
        // the index) and may have written votes without counting them: count again, project counters and labelers.
        await using var olderServer = SqliteValues.Command(connection, "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' AND name = 'ix_votes_labeler'");
        var recount = (long)(await olderServer.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! > 0;
        await using var version = SqliteValues.Command(connection, "PRAGMA user_version");
        if (recount || (long)(await version.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! < CountersVersion)
        {
            // Counters start from the votes already there, once; from then on every commit keeps them.
            await using var backfill = SqliteValues.Command(connection, $"""
                BEGIN IMMEDIATE;
                INSERT INTO project_counters (project_id, crowd_votes, machine_votes)
                SELECT project_id, SUM(kind = 'worker'), SUM(kind <> 'worker') FROM votes WHERE true GROUP BY project_id
                ON CONFLICT (project_id) DO UPDATE SET crowd_votes = excluded.crowd_votes, machine_votes = excluded.machine_votes;
                PRAGMA user_version = {CountersVersion};
                COMMIT;
                """);
            await backfill.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (recount || (long)(await version.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! < LabelerVotesVersion)
        {
            // Each labeler's vote count, which every commit keeps from now on, replaces ix_votes_labeler: that index
            // was read only to count one worker's votes, and cost a page write (the labeler's end of it) per vote.
            await using var backfill = SqliteValues.Command(connection, $"""
                BEGIN IMMEDIATE;
                INSERT INTO labelers (project_id, labeler_id, kind, votes, unsure)
                SELECT project_id, labeler_id, MIN(kind), COUNT(*), SUM(label IS NULL) FROM votes WHERE true GROUP BY project_id, labeler_id
                ON CONFLICT (project_id, labeler_id) DO UPDATE SET votes = excluded.votes, unsure = excluded.unsure;
                DROP INDEX IF EXISTS ix_votes_labeler;
                PRAGMA user_version = {LabelerVotesVersion};
                COMMIT;
                """);
            await backfill.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<bool> HasColumnAsync(SqliteConnection connection, string table, string column, CancellationToken cancellationToken)
    {
        await using var command = SqliteValues.Command(connection, "SELECT COUNT(*) FROM pragma_table_info($t) WHERE name = $c");
        command.Add("$t", table);
        command.Add("$c", column);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! > 0;
    }
}
