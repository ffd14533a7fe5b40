using Labeling.Adapters.Local.Sqlite;

namespace Labeling.Adapters.Local.Tests.Events;

/// <summary>Outbox events written straight into the database, as a commit would leave them.</summary>
internal static class OutboxRows
{
    public static async Task InsertAsync(SqliteDatabase database, params string[] ids)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        foreach (var id in ids)
        {
            await using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO outbox (id, project_id, item_id, type, payload, created_at) VALUES ($id, 'p', 'itm', 'label.ready', '{}', 0)";
            insert.Parameters.AddWithValue("$id", id);
            await insert.ExecuteNonQueryAsync();
        }
    }
}
