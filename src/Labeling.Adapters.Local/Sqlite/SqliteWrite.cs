using Microsoft.Data.Sqlite;

namespace Labeling.Adapters.Local.Sqlite;

/// <summary>
/// A write transaction (<c>BEGIN IMMEDIATE</c>) holding the process's write gate: disposing it rolls back
/// whatever was not committed, closes the connection and lets the next writer in.
/// </summary>
internal sealed class SqliteWrite : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate;

    public SqliteWrite(SqliteConnection connection, SqliteTransaction transaction, SemaphoreSlim gate)
    {
        Connection = connection;
        Transaction = transaction;
        _gate = gate;
    }

    public SqliteConnection Connection { get; }

    public SqliteTransaction Transaction { get; }

    public SqliteCommand Command(string sql) => SqliteValues.Command(Connection, sql, Transaction);

    public Task CommitAsync(CancellationToken cancellationToken) => Transaction.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Transaction.DisposeAsync().ConfigureAwait(false);
            await Connection.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }
}
