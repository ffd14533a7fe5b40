using Labeling.Application.Ports;
using Labeling.Domain.Documents;

namespace Labeling.Adapters.Local.Sqlite;

/// <summary>Document records in SQLite.</summary>
public sealed class SqliteDocumentStore : IDocumentStore
{
    private readonly SqliteDatabase _database;

    /// <summary>Creates the store.</summary>
    /// <param name="database">The database.</param>
    public SqliteDocumentStore(SqliteDatabase database) => _database = database;

    /// <inheritdoc />
    public async Task<Document?> GetAsync(string projectId, string documentId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqliteValues.Command(connection, "SELECT body FROM documents WHERE project_id = $p AND id = $id");
        command.Add("$p", projectId);
        command.Add("$id", documentId);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string body
            ? SqliteValues.FromJson<Document>(body)
            : null;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Document>> ListAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqliteValues.Command(connection, "SELECT body FROM documents WHERE project_id = $p ORDER BY received_at DESC, id");
        command.Add("$p", projectId);
        var documents = new List<Document>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            documents.Add(SqliteValues.FromJson<Document>(reader.GetString(0)));
        }

        return documents;
    }

    /// <inheritdoc />
    public async Task UpsertAsync(Document document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (_database.DeletedProjects.ContainsKey(document.ProjectId))
        {
            // A file of a deleted project is set aside (quarantined) without a record: nobody can list its documents.
            return;
        }

        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqliteValues.Command(connection, """
            INSERT INTO documents (project_id, id, body, received_at) VALUES ($p, $id, $body, $at)
            ON CONFLICT (project_id, id) DO UPDATE SET body = excluded.body, received_at = excluded.received_at
            """);
        command.Add("$p", document.ProjectId);
        command.Add("$id", document.Id);
        command.Add("$body", SqliteValues.Json(document));
        command.Add("$at", SqliteValues.Time(document.ReceivedAt));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> TryRecordAsync(Document document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        // One statement: the insert, or the replacement of a quarantined record, happens for exactly one writer.
        return await _database.WriteAsync(write =>
        {
            _database.ThrowIfDeleted(document.ProjectId);
            var command = write.Command("""
                INSERT INTO documents (project_id, id, body, received_at) VALUES ($p, $id, $body, $at)
                ON CONFLICT (project_id, id) DO UPDATE SET body = excluded.body, received_at = excluded.received_at
                WHERE json_extract(documents.body, '$.status') = $quarantined
                """);
            command.Add("$p", document.ProjectId);
            command.Add("$id", document.Id);
            command.Add("$body", SqliteValues.Json(document));
            command.Add("$at", SqliteValues.Time(document.ReceivedAt));
            command.Add("$quarantined", SqliteValues.Name(DocumentStatus.Quarantined));
            return command.ExecuteNonQuery() == 1;
        }, cancellationToken).ConfigureAwait(false);
    }
}
