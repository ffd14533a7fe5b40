using Microsoft.Data.Sqlite;

namespace Labeling.Adapters.Local.Sqlite;

/// <summary>
/// A connection the database keeps open, with its prepared statements: a command asked for by the same
/// SQL text again is the same <see cref="SqliteCommand"/>, which SQLite runs without parsing and planning
/// it again (under load, preparing every statement anew was a tenth of the server's CPU).
/// </summary>
/// <remarks>
/// One caller at a time: a read rents a session from <see cref="SqliteDatabase.ReadAsync"/> and disposes it
/// to give it back; writes use the database's one write session under its write gate. Commands from
/// <see cref="Prepared"/> belong to the session; callers do not dispose them.
/// </remarks>
internal sealed class SqliteSession : IDisposable
{
    // Only constant SQL is prepared; the cap keeps a mistake (SQL with values spliced in) from growing without bound.
    private const int MaxPrepared = 64;
    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);
    private readonly SqliteDatabase? _pool;

    public SqliteSession(SqliteConnection connection, SqliteDatabase? pool)
    {
        Connection = connection;
        _pool = pool;
    }

    public SqliteConnection Connection { get; }

    /// <summary>The prepared command for <paramref name="sql"/>, its parameters cleared, in <paramref name="transaction"/>.</summary>
    public SqliteCommand Prepared(string sql, SqliteTransaction? transaction = null)
    {
        if (!_prepared.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            _prepared.Add(sql, command);
        }
        else
        {
            command.Parameters.Clear();
        }

        command.Transaction = transaction;
        return command;
    }

    /// <summary>Drops the prepared commands when there are too many; call only while no command is in use.</summary>
    public void Trim()
    {
        if (_prepared.Count < MaxPrepared)
        {
            return;
        }

        foreach (var command in _prepared.Values)
        {
            command.Dispose();
        }

        _prepared.Clear();
    }

    /// <summary>Gives a rented session back to its database; closes one that has no pool.</summary>
    public void Dispose()
    {
        if (_pool is null)
        {
            Close();
        }
        else
        {
            _pool.Return(this);
        }
    }

    /// <summary>Closes the connection and its statements.</summary>
    public void Close()
    {
        foreach (var command in _prepared.Values)
        {
            command.Dispose();
        }

        _prepared.Clear();
        Connection.Dispose();
    }
}
