using Microsoft.Data.Sqlite;

namespace Labeling.Adapters.Local.Sqlite;

/// <summary>
/// A write transaction (<c>BEGIN IMMEDIATE</c>) on the database's write connection. From
/// <see cref="SqliteDatabase.BeginWriteAsync"/> it holds the process's write gate: disposing it rolls back
/// whatever was not committed and lets the next writer in. Inside a group commit
/// (<see cref="SqliteDatabase.WriteAsync{T}"/>) the database commits it, not the work.
/// </summary>
internal sealed class SqliteWrite : IAsyncDisposable
{
    private readonly SqliteSession _session;
    private readonly SemaphoreSlim? _gate;

    public SqliteWrite(SqliteSession session, SqliteTransaction transaction, SemaphoreSlim? gate)
    {
        _session = session;
        Transaction = transaction;
        _gate = gate;
    }

    public SqliteConnection Connection => _session.Connection;

    public SqliteTransaction Transaction { get; }

    /// <summary>A new command in this transaction; the caller disposes it.</summary>
    public SqliteCommand Command(string sql) => SqliteValues.Command(Connection, sql, Transaction);

    /// <summary>The write connection's prepared command for <paramref name="sql"/> in this transaction; not to be disposed.</summary>
    public SqliteCommand Prepared(string sql) => _session.Prepared(sql, Transaction);

    public Task CommitAsync(CancellationToken cancellationToken)
    {
        if (_gate is null)
        {
            throw new InvalidOperationException("A group-committed write is committed by the database, not by its work.");
        }

        return Transaction.CommitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_gate is null)
        {
            return;
        }

        try
        {
            await Transaction.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }
}
