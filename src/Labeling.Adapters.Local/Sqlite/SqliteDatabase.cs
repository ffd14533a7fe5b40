using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Labeling.Adapters.Local.Sqlite;

/// <summary>
/// The local host's SQLite file: WAL journal (readers never block the writer), <c>synchronous=NORMAL</c>
/// (durable at checkpoints, about 10× faster than FULL here), a busy timeout so concurrent writers wait
/// instead of failing, and the schema created on first use.
/// </summary>
/// <remarks>
/// SQLite has one writer at a time. Writers of this process queue on an async gate
/// (<see cref="BeginWriteAsync"/>) rather than on SQLite's busy handler, which polls with sleeps of
/// 1 to 100 ms: under a few dozen concurrent leases and votes those sleeps were the p99 latency.
/// </remarks>
public sealed class SqliteDatabase
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _init = new(1, 1);
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private volatile bool _initialized;

    /// <summary>Creates the database in the configured data folder.</summary>
    /// <param name="options">Storage settings.</param>
    public SqliteDatabase(IOptions<LocalStorageOptions> options)
        : this(options.Value.PathOf("labeling.db"))
    {
    }

    /// <summary>Creates the database at a path.</summary>
    /// <param name="path">The database file.</param>
    public SqliteDatabase(string path)
    {
        FilePath = Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>The database file.</summary>
    public string FilePath { get; }

    /// <summary>Opens a connection, creating the file and schema on first use.</summary>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>An open connection the caller disposes.</returns>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (!_initialized)
        {
            await InitializeAsync(cancellationToken).ConfigureAwait(false);
        }

        return await OpenRawAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits for this process's turn to write, then opens a connection and begins an immediate transaction.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The write; dispose it (after committing) to let the next writer in.</returns>
    internal async Task<SqliteWrite> BeginWriteAsync(CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        SqliteConnection? connection = null;
        try
        {
            connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            return new SqliteWrite(connection, transaction, _writeGate);
        }
        catch
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            _writeGate.Release();
            throw;
        }
    }

    /// <summary>Creates the file, switches it to WAL and creates the schema (idempotent).</summary>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>A task.</returns>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _init.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_initialized)
            {
                return;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
            var connection = await OpenRawAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                await ExecuteAsync(connection, "PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, SqliteSchema.Script, cancellationToken).ConfigureAwait(false);
                await SqliteSchema.UpgradeAsync(connection, cancellationToken).ConfigureAwait(false);
            }

            _initialized = true;
        }
        finally
        {
            _init.Release();
        }
    }

    private async Task<SqliteConnection> OpenRawAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;", cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
