using System.Collections.Concurrent;
using Labeling.Application.Ports;
using Labeling.Domain.Projects;
using Microsoft.Data.Sqlite;

namespace Labeling.Adapters.Local.Sqlite;

/// <summary>Projects in SQLite, one JSON document per row.</summary>
public sealed class SqliteProjectStore : IProjectStore
{
    // Parsed projects by id, with the JSON they came from: every lease reads its project, and parsing it
    // cost more than the read. A row whose JSON differs from the cached text is parsed again.
    private readonly ConcurrentDictionary<string, (string Body, Project Project)> _parsed = new(StringComparer.Ordinal);
    private readonly SqliteDatabase _database;

    /// <summary>Creates the store.</summary>
    /// <param name="database">The database.</param>
    public SqliteProjectStore(SqliteDatabase database) => _database = database;

    /// <inheritdoc />
    public async Task<Project?> GetAsync(string projectId, CancellationToken cancellationToken)
    {
        using var session = await _database.ReadAsync(cancellationToken).ConfigureAwait(false);
        var command = session.Prepared("SELECT body FROM projects WHERE id = $id");
        command.Add("$id", projectId);
        if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not string body)
        {
            return null;
        }

        if (_parsed.TryGetValue(projectId, out var cached) && string.Equals(cached.Body, body, StringComparison.Ordinal))
        {
            return cached.Project;
        }

        var project = SqliteValues.FromJson<Project>(body);
        _parsed[projectId] = (body, project);
        return project;
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
