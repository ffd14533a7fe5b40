using System.Collections.Concurrent;
using Labeling.Application.Ports;
using Labeling.Domain.Items;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Labeling.Adapters.Local.Sqlite;

/// <summary>Task leases in SQLite: a lease row plus the holder written on the item, granted by one conditional update.</summary>
/// <remarks>
/// The lease rows are also the memory of skips: a worker who held a lease on an item and did not vote
/// (released it, or let it expire) is never offered that item again. A vote leaves a vote row, so the
/// rule is simply "one lease per worker and item" (index <c>ix_leases_item</c>).
/// </remarks>
public sealed partial class SqliteLeaseStore : ILeaseStore, IPoolLeaseGrants
{
    /// <summary>
    /// The pool for one worker, most-voted first. Walks <c>ix_items_pool</c> in order (rowid breaks ties
    /// inside the index, so nothing is sorted) and checks each row with two index lookups.
    /// </summary>
    internal const string CandidatesQuery = $"""
        SELECT i.id, i.crowd_votes, i.rowid {PoolOfWorker}
        LIMIT $limit
        """;

    /// <summary>
    /// Items <c>i</c> of project <c>$p</c> free at <c>$now</c> that worker <c>$w</c> has neither voted on nor held a lease on,
    /// in the order they are offered.
    /// </summary>
    private const string PoolOfWorker = $"""
        FROM items i
        WHERE i.project_id = $p AND i.state = 'collecting' AND {FreeAndNewToWorker}
        ORDER BY i.crowd_votes DESC, i.rowid
        """;

    /// <summary>
    /// Worker <c>$w</c>'s pool after a cursor (<c>$votes</c>, <c>$row</c>: an item's crowd votes and rowid), in the pool's order:
    /// the items of as many votes further on, then those of fewer. Each part starts in <c>ix_items_pool</c> at the cursor.
    /// </summary>
    internal const string AfterCursorQuery = $"""
        SELECT * FROM (
            SELECT i.id, i.crowd_votes, i.rowid FROM items i
            WHERE i.project_id = $p AND i.state = 'collecting' AND i.crowd_votes = $votes AND i.rowid > $row AND {FreeAndNewToWorker}
            ORDER BY i.rowid LIMIT $limit)
        UNION ALL
        SELECT * FROM (
            SELECT i.id, i.crowd_votes, i.rowid FROM items i
            WHERE i.project_id = $p AND i.state = 'collecting' AND i.crowd_votes < $votes AND {FreeAndNewToWorker}
            ORDER BY i.crowd_votes DESC, i.rowid LIMIT $limit)
        LIMIT $limit
        """;

    // Item i free at $now and new to worker $w.
    private const string FreeAndNewToWorker = $"(i.lease_expires IS NULL OR i.lease_expires <= $now) AND {NewToWorker}";

    // Worker $w has neither voted on item i nor held a lease on it.
    private const string NewToWorker = """
        NOT EXISTS (SELECT 1 FROM votes v WHERE v.project_id = i.project_id AND v.item_id = i.id AND v.labeler_id = $w)
          AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.project_id = i.project_id AND l.item_id = i.id AND l.worker_id = $w)
        """;

    /// <summary>An item of project <c>$p</c>'s pool that worker <c>$w</c> has neither voted on nor held a lease on, held by another worker or not.</summary>
    internal const string UnseenQuery = $"""
        SELECT 1 FROM items i
        WHERE i.project_id = $p AND i.state = 'collecting' AND {NewToWorker}
        LIMIT 1
        """;

    /// <summary>
    /// The worker's open leases in the project (<c>$p</c>, <c>$w</c>, at <c>$now</c>), as lease <c>l</c> and its item <c>i</c>:
    /// not completed, released or expired, on an item still collecting and still held by that lease. <see cref="FindOpenAsync"/>
    /// reads them; a grant requires there be none.
    /// </summary>
    private const string OpenLeasesOfWorker = """
        FROM leases l JOIN items i ON i.project_id = l.project_id AND i.id = l.item_id
        WHERE l.project_id = $p AND l.worker_id = $w AND l.completed_at IS NULL AND l.released_at IS NULL AND l.expires_at > $now
          AND i.state = 'collecting' AND i.lease_id = l.id
        """;

    internal const string FindOpenQuery = $"""
        SELECT l.id, l.project_id, l.item_id, l.worker_id, l.created_at, l.expires_at, l.completed_at, l.released_at
        {OpenLeasesOfWorker}
        ORDER BY l.created_at DESC LIMIT 1
        """;

    // One conditional update: the item is free and new to the worker, and the worker holds no other open lease.
    internal const string AcquireUpdate = $"""
        UPDATE items SET lease_id = $lease, lease_worker = $w, lease_expires = $expires
        WHERE project_id = $p AND id = $item AND state = 'collecting'
          AND (lease_expires IS NULL OR lease_expires <= $now)
          AND NOT EXISTS (SELECT 1 FROM votes v WHERE v.project_id = $p AND v.item_id = $item AND v.labeler_id = $w)
          AND NOT EXISTS (SELECT 1 FROM leases s WHERE s.project_id = $p AND s.item_id = $item AND s.worker_id = $w)
          AND NOT EXISTS (SELECT 1 {OpenLeasesOfWorker})
        RETURNING body
        """;

    /// <summary>
    /// <see cref="AcquireUpdate"/> on the first item of <see cref="CandidatesQuery"/>: finds and takes the worker's next item in one
    /// statement on the writer's turn, whose page cache is warm, instead of a candidates query on a read connection whose cache the
    /// last commit emptied (most of a lease's page reads, as each candidate the worker has seen is checked in two indexes).
    /// </summary>
    internal const string NextUpdate = $"""
        UPDATE items SET lease_id = $lease, lease_worker = $w, lease_expires = $expires
        WHERE project_id = $p AND id = (SELECT i.id {PoolOfWorker} LIMIT 1)
          AND NOT EXISTS (SELECT 1 {OpenLeasesOfWorker})
        RETURNING id, body
        """;

    /// <summary>
    /// Releases by one worker in one project, counted since the start, after which <see cref="TryAcquireNextAsync"/> looks for
    /// that worker's next item on a read connection instead of on the writer's turn.
    /// </summary>
    internal const int FarWalkReleases = 256;

    private const int CandidatesPerRound = 8;

    private readonly SqliteDatabase _database;

    // Releases counted per (project, worker) since the start: a worker's skipped items stay in the pool, and the walk to its
    // next item passes each of them.
    private readonly ConcurrentDictionary<(string Project, string Worker), int> _releases = new();

    // Workers of FarWalkReleases releases found to have voted on or skipped every item of the project's pool, with the
    // project's pool entries counted just before (SqliteSchema.PoolEntries): while the count stands, they still have.
    private readonly ConcurrentDictionary<(string Project, string Worker), long> _seenAll = new();

    // Where each worker of FarWalkReleases releases last had an item granted, in the pool's order (NextOffWriterAsync), and
    // whether it skipped (released) that item: only then does its next search start there.
    private readonly ConcurrentDictionary<(string Project, string Worker), PoolCursor> _cursors = new();

    private readonly ILogger<SqliteLeaseStore> _logger;

    /// <summary>Creates the store.</summary>
    /// <param name="database">The database.</param>
    /// <param name="logger">Logs a worker whose task requests move off the writer (event 1012); none when null.</param>
    public SqliteLeaseStore(SqliteDatabase database, ILogger<SqliteLeaseStore>? logger = null)
    {
        _database = database;
        _logger = logger ?? NullLogger<SqliteLeaseStore>.Instance;
    }

    /// <inheritdoc />
    public async Task<ItemLease?> GetAsync(string leaseId, CancellationToken cancellationToken)
    {
        if (_database.GrantedLeases.TryGet(leaseId, out var granted))
        {
            return granted;
        }

        using var session = await _database.ReadAsync(cancellationToken).ConfigureAwait(false);
        var command = session.Prepared("SELECT id, project_id, item_id, worker_id, created_at, expires_at, completed_at, released_at FROM leases WHERE id = $id");
        command.Add("$id", leaseId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    /// <inheritdoc />
    public async Task<ItemLease?> FindOpenAsync(string projectId, string workerId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var session = await _database.ReadAsync(cancellationToken).ConfigureAwait(false);
        var command = session.Prepared(FindOpenQuery);
        command.Add("$p", projectId);
        command.Add("$w", workerId);
        command.Add("$now", SqliteValues.Time(now));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> FindCandidatesAsync(string projectId, string workerId, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        if (await HasSeenAllAsync(projectId, workerId, cancellationToken).ConfigureAwait(false))
        {
            return [];
        }

        return (await PoolRowsAsync(CandidatesQuery, projectId, workerId, now, limit, null, cancellationToken).ConfigureAwait(false))
            .ConvertAll(row => row.ItemId);
    }

    /// <inheritdoc />
    public async Task<bool> TryAcquireAsync(ItemLease lease, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var grant = await _database.WriteAsync(write => TryAcquire(write, lease, now), cancellationToken, unsaved: () => _database.GrantedLeases.Forget(lease.Id))
            .ConfigureAwait(false);
        return Granted(grant) is not null;
    }

    /// <inheritdoc />
    /// <remarks>
    /// One queued write tries the candidates in turn, so a candidate another worker took a moment earlier costs one
    /// refused UPDATE on the writer's turn, not a group commit's round trip and a read of the worker's open lease.
    /// </remarks>
    public async Task<ItemLease?> TryAcquireFirstAsync(IReadOnlyList<ItemLease> leases, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(leases);
        if (leases.Count == 0)
        {
            return null;
        }

        var grant = await _database.WriteAsync(
            write =>
            {
                foreach (var lease in leases)
                {
                    if (TryAcquire(write, lease, now) is { } granted)
                    {
                        return granted;
                    }
                }

                return (Grant?)null;
            },
            cancellationToken,
            unsaved: () =>
            {
                foreach (var lease in leases)
                {
                    _database.GrantedLeases.Forget(lease.Id);
                }
            }).ConfigureAwait(false);
        return Granted(grant);
    }

    /// <inheritdoc />
    /// <remarks>
    /// A worker who has released <see cref="FarWalkReleases"/> items of the project since the start is looked for on a read
    /// connection (<see cref="NextOffWriterAsync"/>): the one-statement grant walks past every pooled item the worker has voted
    /// on or skipped, on the writer's turn, which every project's leases, votes and releases wait for — about 12 ms a request
    /// after 6,000 skips, and one such worker asking 70 times a second took another worker's lease and vote from 1 ms to 250.
    /// A worker who votes is not counted: its walk ends where the items it voted on leave the pool.
    /// </remarks>
    public async Task<ItemLease?> TryAcquireNextAsync(
        string projectId, string workerId, string leaseId, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        if (_releases.TryGetValue((projectId, workerId), out var released) && released >= FarWalkReleases)
        {
            return await NextOffWriterAsync(projectId, workerId, leaseId, now, expiresAt, cancellationToken).ConfigureAwait(false);
        }

        var grant = await _database.WriteAsync(
            write =>
            {
                // A task request that read the project before it was marked deleted gets no item of it (TryAcquire does the same).
                _database.ThrowIfDeleted(projectId);
                var epoch = _database.Items.Epoch;
                var take = write.Prepared(NextUpdate);
                take.Add("$lease", leaseId);
                take.Add("$w", workerId);
                take.Add("$expires", SqliteValues.Time(expiresAt));
                take.Add("$p", projectId);
                take.Add("$now", SqliteValues.Time(now));
                string itemId, body;
                using (var reader = take.ExecuteReader())
                {
                    if (!reader.Read())
                    {
                        return (Grant?)null;
                    }

                    (itemId, body) = (reader.GetString(0), reader.GetString(1));
                }

                return Record(write, new ItemLease(leaseId, projectId, itemId, workerId, now, expiresAt, null), body, epoch, now);
            },
            cancellationToken,
            unsaved: () => _database.GrantedLeases.Forget(leaseId)).ConfigureAwait(false);
        return Granted(grant);
    }

    /// <inheritdoc />
    public async Task<bool> ReleaseAsync(ItemLease lease, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        _database.GrantedLeases.Forget(lease.Id);
        if (!await _database.WriteAsync(write => Release(write, lease, now), cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var key = (lease.ProjectId, lease.WorkerId);
        if (_cursors.TryGetValue(key, out var cursor) && string.Equals(cursor.LeaseId, lease.Id, StringComparison.Ordinal))
        {
            _cursors.TryUpdate(key, cursor with { Skipped = true }, cursor);
        }

        if (_releases.AddOrUpdate(key, 1, static (_, count) => count == int.MaxValue ? count : count + 1) == FarWalkReleases)
        {
            LogFarWalker(_logger, lease.WorkerId, FarWalkReleases, lease.ProjectId);
        }

        return true;
    }

    /// <inheritdoc />
    public async Task<bool> IsHeldAsync(string projectId, string itemId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var session = await _database.ReadAsync(cancellationToken).ConfigureAwait(false);
        var command = session.Prepared("SELECT lease_expires FROM items WHERE project_id = $p AND id = $id");
        command.Add("$p", projectId);
        command.Add("$id", itemId);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long expires && expires > SqliteValues.Time(now);
    }

    /// <summary>
    /// The worker's next item found on a read connection (the walk past the items it has seen runs beside the writer, not on its
    /// turn) and granted on the writer's turn by <see cref="AcquireUpdate"/>, which checks again that it is free, new to the worker
    /// and that the worker holds no open lease. A candidate another worker took meanwhile is passed over; a few rounds settle that.
    /// </summary>
    /// <remarks>
    /// While the worker skips item after item, the search starts where its last one ended (its cursor: the pool position of the
    /// item last granted to it, in the pool's order), so it is not walked past all it skipped on every request, only once per lap
    /// of the pool. Items that moved ahead of the cursor since (more votes) or that others held when the cursor passed them come
    /// when nothing is left after it: the search then starts from the front again. A worker that voted on its last item, or let
    /// its lease expire, is looked for from the front: the count of releases never goes down, and a worker that once skipped
    /// many items and now votes gets the pool's first item, as on the writer's turn, not the items after the last one it took.
    /// </remarks>
    private async Task<ItemLease?> NextOffWriterAsync(
        string projectId, string workerId, string leaseId, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        if (await HasSeenAllAsync(projectId, workerId, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var key = (projectId, workerId);
        for (var round = 0; round < 4; round++)
        {
            var candidates = _cursors.TryGetValue(key, out var cursor) && cursor.Skipped
                ? await PoolRowsAsync(AfterCursorQuery, projectId, workerId, now, CandidatesPerRound, (cursor.CrowdVotes, cursor.RowId), cancellationToken).ConfigureAwait(false)
                : [];
            if (candidates.Count == 0)
            {
                candidates = await PoolRowsAsync(CandidatesQuery, projectId, workerId, now, CandidatesPerRound, null, cancellationToken).ConfigureAwait(false);
            }

            if (candidates.Count == 0)
            {
                _cursors.TryRemove(key, out _);
                await NoteWhetherSeenAllAsync(projectId, workerId, cancellationToken).ConfigureAwait(false);
                return null;
            }

            // One lease id for every candidate: at most one is granted.
            var leases = candidates.Select(row => new ItemLease(leaseId, projectId, row.ItemId, workerId, now, expiresAt, null)).ToList();
            if (await TryAcquireFirstAsync(leases, now, cancellationToken).ConfigureAwait(false) is { } granted)
            {
                var row = candidates.First(c => c.ItemId == granted.ItemId);
                _cursors[key] = new PoolCursor(row.CrowdVotes, row.RowId, granted.Id, Skipped: false);
                return granted;
            }

            // Refused: other workers took them, or the worker holds a task (then the caller hands that back).
            if (await FindOpenAsync(projectId, workerId, now, cancellationToken).ConfigureAwait(false) is not null)
            {
                return null;
            }
        }

        return null;
    }

    // Up to `limit` pool rows of the worker, from the front of the pool or after a cursor.
    private async Task<List<PoolRow>> PoolRowsAsync(
        string query, string projectId, string workerId, DateTimeOffset now, int limit, (long CrowdVotes, long RowId)? after, CancellationToken cancellationToken)
    {
        using var session = await _database.ReadAsync(cancellationToken).ConfigureAwait(false);
        var command = session.Prepared(query);
        command.Add("$p", projectId);
        command.Add("$w", workerId);
        command.Add("$now", SqliteValues.Time(now));
        command.Add("$limit", limit);
        if (after is { } cursor)
        {
            command.Add("$votes", cursor.CrowdVotes);
            command.Add("$row", cursor.RowId);
        }

        var rows = new List<PoolRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new PoolRow(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
        }

        return rows;
    }

    /// <summary>
    /// Whether the worker was found to have voted on or skipped every item of the pool (<see cref="NoteWhetherSeenAllAsync"/>)
    /// and no item has entered the pool since: one point read instead of a walk past every item the worker has seen, which a
    /// worker who has skipped thousands of items and keeps asking would make on each request.
    /// </summary>
    private async Task<bool> HasSeenAllAsync(string projectId, string workerId, CancellationToken cancellationToken)
    {
        if (!_seenAll.TryGetValue((projectId, workerId), out var entries))
        {
            return false;
        }

        if (await PoolEntriesAsync(projectId, cancellationToken).ConfigureAwait(false) == entries)
        {
            return true;
        }

        _seenAll.TryRemove(KeyValuePair.Create((projectId, workerId), entries));
        return false;
    }

    /// <summary>
    /// Remembers the worker as having seen every item of the pool when no item of it is new to the worker, whoever holds it. The
    /// count of pool entries is read first: an item entering the pool after it raises the count, so it is never missed.
    /// </summary>
    private async Task NoteWhetherSeenAllAsync(string projectId, string workerId, CancellationToken cancellationToken)
    {
        var entries = await PoolEntriesAsync(projectId, cancellationToken).ConfigureAwait(false);
        using var session = await _database.ReadAsync(cancellationToken).ConfigureAwait(false);
        var unseen = session.Prepared(UnseenQuery);
        unseen.Add("$p", projectId);
        unseen.Add("$w", workerId);
        if (await unseen.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
        {
            _seenAll[(projectId, workerId)] = entries;
        }
    }

    private async Task<long> PoolEntriesAsync(string projectId, CancellationToken cancellationToken)
    {
        using var session = await _database.ReadAsync(cancellationToken).ConfigureAwait(false);
        var read = session.Prepared("SELECT entries FROM pool_entries WHERE project_id = $p");
        read.Add("$p", projectId);
        return await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long entries ? entries : 0;
    }

    // A committed grant: its item's body, read on the writer's turn, is the saved item (a grant changes only lease columns).
    private ItemLease? Granted(Grant? grant)
    {
        if (grant is not { } granted)
        {
            return null;
        }

        _database.Items.Offer(SqliteValues.FromJson<Item>(granted.ItemBody), granted.Epoch);
        return granted.Lease;
    }

    /// <summary>Forgets what this store remembers of a deleted project's workers (their releases, cursors and seen pools).</summary>
    /// <param name="projectId">The project.</param>
    internal void ForgetProject(string projectId)
    {
        foreach (var key in _releases.Keys.Where(k => k.Project == projectId))
        {
            _releases.TryRemove(key, out _);
        }

        foreach (var key in _seenAll.Keys.Where(k => k.Project == projectId))
        {
            _seenAll.TryRemove(key, out _);
        }

        foreach (var key in _cursors.Keys.Where(k => k.Project == projectId))
        {
            _cursors.TryRemove(key, out _);
        }
    }

    // On the writer's turn: the grant and, when granted, the item's body as this transaction sees it.
    private Grant? TryAcquire(SqliteWrite write, ItemLease lease, DateTimeOffset now)
    {
        _database.ThrowIfDeleted(lease.ProjectId);
        var epoch = _database.Items.Epoch;
        var take = write.Prepared(AcquireUpdate);
        take.Add("$lease", lease.Id);
        take.Add("$w", lease.WorkerId);
        take.Add("$expires", SqliteValues.Time(lease.ExpiresAt));
        take.Add("$p", lease.ProjectId);
        take.Add("$item", lease.ItemId);
        take.Add("$now", SqliteValues.Time(now));
        return take.ExecuteScalar() is string body ? Record(write, lease, body, epoch, now) : null;
    }

    // On the writer's turn, once the item's row holds the lease: the lease's own row, and the lease remembered as granted.
    private Grant Record(SqliteWrite write, ItemLease lease, string itemBody, long epoch, DateTimeOffset now)
    {
        var insert = write.Prepared("""
            INSERT INTO leases (id, project_id, item_id, worker_id, created_at, expires_at) VALUES ($id, $p, $item, $w, $created, $expires)
            """);
        insert.Add("$id", lease.Id);
        insert.Add("$p", lease.ProjectId);
        insert.Add("$item", lease.ItemId);
        insert.Add("$w", lease.WorkerId);
        insert.Add("$created", SqliteValues.Time(lease.CreatedAt));
        insert.Add("$expires", SqliteValues.Time(lease.ExpiresAt));
        insert.ExecuteNonQuery();
        _database.GrantedLeases.Remember(lease, now);
        return new Grant(lease, itemBody, epoch);
    }

    private static bool Release(SqliteWrite write, ItemLease lease, DateTimeOffset now)
    {
        var end = write.Prepared("""
            UPDATE leases SET released_at = $now
            WHERE id = $id AND completed_at IS NULL AND released_at IS NULL AND expires_at > $now
            """);
        end.Add("$now", SqliteValues.Time(now));
        end.Add("$id", lease.Id);
        if (end.ExecuteNonQuery() != 1)
        {
            return false;
        }

        var free = write.Prepared("""
            UPDATE items SET lease_id = NULL, lease_worker = NULL, lease_expires = NULL
            WHERE project_id = $p AND id = $item AND lease_id = $id
            """);
        free.Add("$p", lease.ProjectId);
        free.Add("$item", lease.ItemId);
        free.Add("$id", lease.Id);
        free.ExecuteNonQuery();
        return true;
    }

    private static ItemLease Read(SqliteDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3),
        SqliteValues.Time(r.GetInt64(4)), SqliteValues.Time(r.GetInt64(5)),
        r.IsDBNull(6) ? null : SqliteValues.Time(r.GetInt64(6)))
    {
        ReleasedAt = r.IsDBNull(7) ? null : SqliteValues.Time(r.GetInt64(7)),
    };

    private readonly record struct Grant(ItemLease Lease, string ItemBody, long Epoch);

    private readonly record struct PoolRow(string ItemId, long CrowdVotes, long RowId);

    // A worker's place in the pool: the item last granted to it (its crowd votes and rowid), by which lease, and whether it
    // released that lease.
    private readonly record struct PoolCursor(long CrowdVotes, long RowId, string LeaseId, bool Skipped);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Information, Message = "Worker {WorkerId} has released {Releases} items of project {ProjectId} since the start; its next items are looked for beside the writer from now on, so its skips do not hold up others' leases and votes")]
    private static partial void LogFarWalker(ILogger logger, string workerId, int releases, string projectId);
}
