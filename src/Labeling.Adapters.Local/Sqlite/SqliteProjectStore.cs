using System.Collections.Concurrent;
using Labeling.Application.Ports;
using Labeling.Domain.Projects;
using Microsoft.Data.Sqlite;

namespace Labeling.Adapters.Local.Sqlite;

/// <summary>Projects in SQLite, one JSON document per row.</summary>
public sealed class SqliteProjectStore : IProjectStore
{
    // Projects as read, by id. A project row is written once (TryCreateAsync inserts or ignores) and never changed or deleted,
    // and no other process writes the data folder (DataFolderLock): every lease reads its project, and once read it is
    // served from memory, without a read of the database or a parse of its JSON.
    private readonly ConcurrentDictionary<string, Project> _read = new(StringComparer.Ordinal);
    private readonly SqliteDatabase _database;

    /// <summary>Creates the store.</summary>
    /// <param name="database">The database.</param>
    public SqliteProjectStore(SqliteDatabase database) => _database = database;

    /// <inheritdoc />
    public async Task<Project?> GetAsync(string projectId, CancellationToken cancellationToken)
    {
        if (_read.TryGetValue(projectId, out var known))
        {
            return known;
        }

        using var session = await _database.ReadAsync(cancellationToken).ConfigureAwait(false);
        var command = session.Prepared("SELECT body FROM projects WHERE id = $id");
        command.Add("$id", projectId);
        if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not string body)
        {
            return null;
        }

        return _read.GetOrAdd(projectId, SqliteValues.FromJson<Project>(body));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Project>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqliteValues.Command(connection, "SELECT body FROM projects ORDER BY id");
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
}
