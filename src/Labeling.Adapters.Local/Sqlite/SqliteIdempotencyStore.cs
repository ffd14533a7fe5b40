using Labeling.Application.Ports;

namespace Labeling.Adapters.Local.Sqlite;

/// <summary>Stored answers of idempotent requests in SQLite (written by <see cref="SqliteItemStore.CommitAsync"/>).</summary>
public sealed class SqliteIdempotencyStore : IIdempotencyStore
{
    private readonly SqliteDatabase _database;

    /// <summary>Creates the store.</summary>
    /// <param name="database">The database.</param>
    public SqliteIdempotencyStore(SqliteDatabase database) => _database = database;

    /// <inheritdoc />
    public async Task<IdempotencyRecord?> GetAsync(string callerId, string key, CancellationToken cancellationToken)
    {
        using var session = await _database.ReadAsync(cancellationToken).ConfigureAwait(false);
        var command = session.Prepared("SELECT status, body, created_at FROM idempotency WHERE caller_id = $c AND key = $k");
        command.Add("$c", callerId);
        command.Add("$k", key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new IdempotencyRecord(callerId, key, reader.GetInt32(0), reader.GetString(1), SqliteValues.Time(reader.GetInt64(2)))
            : null;
    }
}
