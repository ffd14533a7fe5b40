using Labeling.Application.Ports;
using Labeling.Domain.Items;
using Microsoft.Data.Sqlite;

namespace Labeling.Adapters.Local.Sqlite;

/// <summary>Task leases in SQLite: a lease row plus the holder written on the item, granted by one conditional update.</summary>
/// <remarks>
/// The lease rows are also the memory of skips: a worker who held a lease on an item and did not vote
/// (released it, or let it expire) is never offered that item again. A vote leaves a vote row, so the
/// rule is simply "one lease per worker and item" (index <c>ix_leases_item</c>).
/// </remarks>
public sealed class SqliteLeaseStore : ILeaseStore, IPoolLeaseGrants
{
    /// <summary>
    /// The pool for one worker, most-voted first. Walks <c>ix_items_pool</c> in order (rowid breaks ties
    /// inside the index, so nothing is sorted) and checks each row with two index lookups.
    /// </summary>
    internal const string CandidatesQuery = $"""
        SELECT i.id {PoolOfWorker}
        LIMIT $limit
        """;

    /// <summary>
    /// Items <c>i</c> of project <c>$p</c> free at <c>$now</c> that worker <c>$w</c> has neither voted on nor held a lease on,
    /// in the order they are offered.
    /// </summary>
    private const string PoolOfWorker = """
        FROM items i
        WHERE i.project_id = $p AND i.state = 'collecting'
          AND (i.lease_expires IS NULL OR i.lease_expires <= $now)
          AND NOT EXISTS (SELECT 1 FROM votes v WHERE v.project_id = i.project_id AND v.item_id = i.id AND v.labeler_id = $w)
          AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.project_id = i.project_id AND l.item_id = i.id AND l.worker_id = $w)
        ORDER BY i.crowd_votes DESC, i.rowid
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

    private readonly SqliteDatabase _database;

    /// <summary>Creates the store.</summary>
    /// <param name="database">The database.</param>
    public SqliteLeaseStore(SqliteDatabase database) => _database = database;

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
        using var session = await _database.ReadAsync(cancellationToken).ConfigureAwait(false);
        var command = session.Prepared(CandidatesQuery);
        command.Add("$p", projectId);
        command.Add("$w", workerId);
        command.Add("$now", SqliteValues.Time(now));
        command.Add("$limit", limit);
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
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
    public async Task<ItemLease?> TryAcquireNextAsync(
        string projectId, string workerId, string leaseId, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var grant = await _database.WriteAsync(
            write =>
            {
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
    public Task<bool> ReleaseAsync(ItemLease lease, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        _database.GrantedLeases.Forget(lease.Id);
        return _database.WriteAsync(write => Release(write, lease, now), cancellationToken);
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

    // On the writer's turn: the grant and, when granted, the item's body as this transaction sees it.
    private Grant? TryAcquire(SqliteWrite write, ItemLease lease, DateTimeOffset now)
    {
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
}
