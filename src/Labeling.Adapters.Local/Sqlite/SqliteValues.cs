using System.Text.Json;
using Labeling.Application;
using Microsoft.Data.Sqlite;

namespace Labeling.Adapters.Local.Sqlite;

/// <summary>Conversions between domain values and SQLite columns.</summary>
internal static class SqliteValues
{
    public static long Time(DateTimeOffset value) => value.ToUnixTimeMilliseconds();

    public static DateTimeOffset Time(long value) => DateTimeOffset.FromUnixTimeMilliseconds(value);

    public static string Name<TEnum>(TEnum value)
        where TEnum : struct, Enum => JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());

    public static TEnum Parse<TEnum>(string name)
        where TEnum : struct, Enum =>
        Enum.GetValues<TEnum>().First(v => string.Equals(Name(v), name, StringComparison.Ordinal));

    public static string Json<T>(T value) => JsonSerializer.Serialize(value, LabelingJson.Options);

    public static T FromJson<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, LabelingJson.Options) ?? throw new JsonException($"A stored {typeof(T).Name} is empty.");

    public static SqliteCommand Command(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    public static void Add(this SqliteCommand command, string name, object? value) =>
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);

    public static bool IsConstraintViolation(SqliteException ex) => ex.SqliteErrorCode == 19;
}
