using Labeling.Application.Ports;

namespace Labeling.Adapters.Local.Sqlite;

/// <summary>
/// Deletes projects from SQLite (<see cref="IProjectPurge"/>). The mark is the project row's <c>deleted_at</c>, written on
/// the writer's turn and put in <see cref="SqliteDatabase.DeletedProjects"/> before the next write runs, so every write
/// queued after it — a vote, a lease, an ingested batch — finds the project deleted and is refused. Items go
/// <see cref="Application.Projects.ProjectDeletion.BatchSize"/> at a time: the batch's ids are read on a read connection,
/// which takes no lock, and deleted with their votes and leases in one short write, so other projects' votes wait for one
/// batch at most, never for the whole project. The row stays (with <c>purged_at</c>) and keeps the id from being used again.
/// </summary>
public sealed class SqliteProjectPurge : IProjectPurge
{
    private readonly SqliteDatabase _database;
    private readonly ILeaseStore _leases;
    private readonly TimeProvider _time;

    /// <summary>Creates the purge.</summary>
    /// <param name="database">The database.</param>
    /// <param name="leases">The lease store, whose per-project memory of skips goes with the project.</param>
    /// <param name="time">The clock.</param>
    public SqliteProjectPurge(SqliteDatabase database, ILeaseStore leases, TimeProvider time)
    {
        _database = database;
        _leases = leases;
        _time = time;
    }

    /// <inheritdoc />
    public async Task<bool> MarkDeletedAsync(string projectId, IReadOnlyCollection<int>? acceptedVersions, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await _database.InitializeAsync(cancellationToken).ConfigureAwait(false);
        await using var write = await _database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);

        // The version is checked in the mark's own statement: a PATCH queued between the caller's read and this write is not
        // deleted in place of the version the caller read. A row written before projects had versions reads as version 1.
        await using var mark = write.Command("""
            UPDATE projects SET deleted_at = coalesce(deleted_at, $at) WHERE id = $id AND purged_at IS NULL
                AND (deleted_at IS NOT NULL OR $versions IS NULL
                    OR coalesce(json_extract(body, '$.version'), 1) IN (SELECT value FROM json_each($versions)))
            """);
        mark.Add("$id", projectId);
        mark.Add("$at", SqliteValues.Time(at));
        mark.Add("$versions", acceptedVersions is null ? null : SqliteValues.Json(acceptedVersions));
        if (await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
        {
            return false;
        }

        await write.CommitAsync(cancellationToken).ConfigureAwait(false);

        // Still holding the writer: the next write, whoever queued it, sees the mark.
        _database.DeletedProjects.TryAdd(projectId, 0);
        return true;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> ListDeletedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqliteValues.Command(connection, "SELECT id FROM projects WHERE deleted_at IS NOT NULL AND purged_at IS NULL ORDER BY id");
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <inheritdoc />
    public async Task<int> PurgeItemsAsync(string projectId, int limit, CancellationToken cancellationToken)
    {
        ThrowIfNotMarked(projectId);
        var ids = new List<string>(limit);
        await using (var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false))
        await using (var find = SqliteValues.Command(connection, "SELECT id FROM items WHERE project_id = $p ORDER BY id LIMIT $limit"))
        {
            find.Add("$p", projectId);
            find.Add("$limit", limit);
            await using var reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ids.Add(reader.GetString(0));
            }
        }

        if (ids.Count == 0)
        {
            return 0;
        }

        await using var write = await _database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);

        // By item, through the indexes that start with (project_id, item_id): each statement touches that item's rows only.
        await using (var command = write.Command("""
            DELETE FROM votes WHERE project_id = $p AND item_id = $id;
            DELETE FROM leases WHERE project_id = $p AND item_id = $id;
            DELETE FROM items WHERE project_id = $p AND id = $id;
            """))
        {
            command.Add("$p", projectId);
            var id = command.Parameters.Add("$id", Microsoft.Data.Sqlite.SqliteType.Text);
            foreach (var itemId in ids)
            {
                id.Value = itemId;
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        await write.CommitAsync(cancellationToken).ConfigureAwait(false);

        // Items read before the delete are held in memory (SqliteItemCache) and served from there: not after their rows are gone.
        _database.Items.ForgetProject(projectId);
        return ids.Count;
    }

    /// <inheritdoc />
    public async Task<bool> FinishAsync(string projectId, CancellationToken cancellationToken)
    {
        ThrowIfNotMarked(projectId);
        await using (var write = await _database.BeginWriteAsync(cancellationToken).ConfigureAwait(false))
        {
            await using (var left = write.Command("SELECT EXISTS (SELECT 1 FROM items WHERE project_id = $p)"))
            {
                left.Add("$p", projectId);
                if (await left.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long and not 0)
                {
                    return false;
                }
            }

            // One transaction for the rest: a few rows per labeler, document and queued message (and the re-fit's class
            // counts), not one per item. The project's events already in the outbox stay and are delivered: they are
            // decisions made before the delete.
            await using (var rest = write.Command("""
                DELETE FROM votes WHERE project_id = $p;
                DELETE FROM leases WHERE project_id = $p;
                DELETE FROM documents WHERE project_id = $p;
                DELETE FROM labelers WHERE project_id = $p;
                DELETE FROM class_counts WHERE project_id = $p;
                DELETE FROM project_counters WHERE project_id = $p;
                DELETE FROM pool_entries WHERE project_id = $p;
                DELETE FROM queue WHERE share = $p;
                UPDATE projects SET purged_at = $now WHERE id = $p;
                """))
            {
                rest.Add("$p", projectId);
                rest.Add("$now", SqliteValues.Time(_time.GetUtcNow()));
                await rest.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        (_leases as SqliteLeaseStore)?.ForgetProject(projectId);
        return true;
    }

    private void ThrowIfNotMarked(string projectId)
    {
        if (!_database.DeletedProjects.ContainsKey(projectId))
        {
            throw new InvalidOperationException($"Project '{projectId}' is not marked deleted; mark it (MarkDeletedAsync) before purging it.");
        }
    }
}
