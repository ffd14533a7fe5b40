using System.Collections.Concurrent;
using Labeling.Application.Ports;
using Labeling.Domain.Projects;
using Microsoft.Data.Sqlite;

namespace Labeling.Adapters.Local.Sqlite;

/// <summary>
/// Projects in SQLite, one JSON document per row. A deleted project keeps its row, marked (<see cref="SqliteProjectPurge"/>):
/// it reads and lists as missing, and its id cannot be taken again.
/// </summary>
public sealed class SqliteProjectStore : IProjectStore
{
    // Projects as read, by id. No other process writes the data folder (DataFolderLock), and a project changes only through
    // TryReplaceAsync, which puts the new version here once written: every lease reads its project, and once read it is
    // served from memory, without a read of the database or a parse of its JSON. The highest version wins, so a read that
    // began before a change and ends after it does not put the old version back.
    private readonly ConcurrentDictionary<string, Project> _read = new(StringComparer.Ordinal);
    private readonly SqliteDatabase _database;

    /// <summary>Creates the store.</summary>
    /// <param name="database">The database.</param>
    public SqliteProjectStore(SqliteDatabase database) => _database = database;

    /// <inheritdoc />
    public async Task<Project?> GetAsync(string projectId, CancellationToken cancellationToken)
    {
        if (_database.DeletedProjects.ContainsKey(projectId))
        {
            return null;
        }

        if (_read.TryGetValue(projectId, out var known))
        {
            return known;
        }

        return await GetCurrentAsync(projectId, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<Project?> GetCurrentAsync(string projectId, CancellationToken cancellationToken)
    {
        using var session = await _database.ReadAsync(cancellationToken).ConfigureAwait(false);
        var command = session.Prepared("SELECT body FROM projects WHERE id = $id AND deleted_at IS NULL");
        command.Add("$id", projectId);
        if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not string body)
        {
            return null;
        }

        return Remember(SqliteValues.FromJson<Project>(body));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Project>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqliteValues.Command(connection, "SELECT body FROM projects WHERE deleted_at IS NULL ORDER BY id");
        var projects = new List<Project>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            projects.Add(SqliteValues.FromJson<Project>(reader.GetString(0)));
        }

        return projects;
    }

    /// <inheritdoc />
    public async Task<bool> TryCreateAsync(Project project, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(project);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqliteValues.Command(connection, "INSERT OR IGNORE INTO projects (id, body, created_at) VALUES ($id, $body, $at)");
        command.Add("$id", project.Id);
        command.Add("$body", SqliteValues.Json(project));
        command.Add("$at", SqliteValues.Time(project.CreatedAt));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async Task<bool> TryReplaceAsync(Project replacement, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(replacement);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);

        // A row written before projects had versions has none in its JSON, and reads as version 1.
        await using var command = SqliteValues.Command(
            connection, "UPDATE projects SET body = $body WHERE id = $id AND deleted_at IS NULL AND coalesce(json_extract(body, '$.version'), 1) = $expected");
        command.Add("$id", replacement.Id);
        command.Add("$body", SqliteValues.Json(replacement));
        command.Add("$expected", replacement.Version - 1);
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
        {
            return false;
        }

        return Remember(replacement) is not null;
    }

    /// <summary>Drops a deleted project from memory (after its mark is written, so no read puts it back: <see cref="Remember"/>).</summary>
    internal void Forget(string projectId) => _read.TryRemove(projectId, out _);

    private Project? Remember(Project project)
    {
        var known = _read.AddOrUpdate(project.Id, project, (_, known) => known.Version >= project.Version ? known : project);

        // A read that began before the project was marked deleted and ends after it must not leave it in memory.
        if (_database.DeletedProjects.ContainsKey(project.Id))
        {
            Forget(project.Id);
            return null;
        }

        return known;
    }
}
