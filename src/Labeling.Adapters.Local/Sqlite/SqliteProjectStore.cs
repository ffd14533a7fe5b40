using Labeling.Application.Ports;
using Labeling.Domain.Projects;
using Microsoft.Data.Sqlite;

namespace Labeling.Adapters.Local.Sqlite;

/// <summary>Projects in SQLite, one JSON document per row.</summary>
public sealed class SqliteProjectStore : IProjectStore
{
    private readonly SqliteDatabase _database;

    /// <summary>Creates the store.</summary>
    /// <param name="database">The database.</param>
    public SqliteProjectStore(SqliteDatabase database) => _database = database;

    /// <inheritdoc />
    public async Task<Project?> GetAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqliteValues.Command(connection, "SELECT body FROM projects WHERE id = $id");
        command.Add("$id", projectId);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string body
            ? SqliteValues.FromJson<Project>(body)
            : null;
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
