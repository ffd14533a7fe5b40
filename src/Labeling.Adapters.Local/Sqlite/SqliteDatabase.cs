using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using Labeling.Adapters.Local.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Labeling.Adapters.Local.Sqlite;

/// <summary>
/// The local host's SQLite file: WAL journal (readers never block the writer), <c>synchronous=NORMAL</c>
/// (durable at checkpoints, about 10× faster than FULL here), a busy timeout so concurrent writers wait
/// instead of failing, and the schema created on first use.
/// </summary>
/// <remarks>
/// <para>
/// SQLite has one writer at a time. Writers of this process queue on an async gate
/// (<see cref="BeginWriteAsync"/>) rather than on SQLite's busy handler, which polls with sleeps of
/// 1 to 100 ms: under a few dozen concurrent leases and votes those sleeps were the p99 latency.
/// </para>
/// <para>
/// The hot writes (lease grants, vote commits) go through <see cref="WriteAsync{T}"/> instead: group
/// commit. Writes that arrive while a transaction is running wait in a queue and the next transaction
/// runs them all, each inside its own savepoint, so one that fails rolls back alone while the others
/// commit. A caller's task completes only after the transaction holding its write has committed, so
/// an acknowledged write is as durable as one committed alone; under load there is one commit (WAL
/// append) per batch instead of one per request.
/// </para>
/// <para>
/// Connections stay open with their prepared statements (<see cref="SqliteSession"/>): one for writes,
/// a pool for reads. They keep temporary data in memory (<c>temp_store=MEMORY</c>): above all the statement
/// journal of each group-committed write's savepoint, which SQLite otherwise spills to a temporary file once
/// a batch has changed 64 KiB of pages — under load that file took nearly as many <c>pwrite</c>s as the WAL,
/// and a fresh server's first 20,000 votes ran about 8 % faster without it.
/// </para>
/// <para>
/// Checkpoints: a background loop copies the WAL back into the database every half second
/// (<c>PRAGMA wal_checkpoint(PASSIVE)</c>, which does not block the writer). A checkpoint that finishes between writes
/// is what lets SQLite start the WAL file over, and a background checkpoint alone never catches up with a busy writer
/// (the WAL grew past a gigabyte). So once the WAL holds <see cref="PausedCheckpointPages"/> pages, the loop holds the
/// writer back for one more checkpoint, which has only what was written during the last one to copy and sync; the
/// writer's next transaction then starts the file over. The write connection checkpoints by itself only as a backstop,
/// at <see cref="WriterCheckpointPages"/>. Before, that checkpoint (at 10,000 pages) was the writer's: it ran inside a
/// commit, synced every page written since the loop's last checkpoint, and held every lease and vote for 30–40 ms about
/// three times a second under 2,100 votes a second. SQLite's default, a checkpoint on the committing connection every
/// 1,000 pages, wrote back and synced the pages every vote touches — counters, statistics, the ends of append-only
/// tables — several times a second, stalling the group commit each time. A checkpoint cannot copy back past the
/// snapshot of a read still open, so no read may be left open at a client's pace (the export reads in pages); once the
/// WAL has grown anyway, <see cref="JournalSizeLimit"/> cuts the file back when it starts over.
/// </para>
/// </remarks>
public sealed class SqliteDatabase : IDisposable
{
    private const int MaxIdleReaders = 32;

    /// <summary>The WAL size, in pages, at which the background checkpoint holds the writer back to copy the rest (see the remarks).</summary>
    internal const int PausedCheckpointPages = 10_000;

    /// <summary>The WAL size, in pages, at which the write connection checkpoints by itself: a backstop should the background loop fall behind.</summary>
    internal const int WriterCheckpointPages = 4 * PausedCheckpointPages;

    /// <summary>
    /// The size the WAL file is cut back to when SQLite starts it over (<c>PRAGMA journal_size_limit</c>, on every
    /// connection, since the one that writes next does it): without it the file keeps the size of its largest moment.
    /// Above the 90–120 MB a busy writer's WAL reaches between restarts (<see cref="PausedCheckpointPages"/> pages of 4 KiB
    /// and their frame headers, and what is written until the loop next looks), so the usual cycle is not cut and grown again:
    /// a file cut back to a size it then grows past again allocates its blocks anew on every cycle.
    /// </summary>
    internal const long JournalSizeLimit = 128L * 1024 * 1024;
    private static readonly TimeSpan CheckpointInterval = TimeSpan.FromMilliseconds(500);
    private const int MaxBatch = 128;
    private readonly string _connectionString;
    private readonly int _pausedCheckpointPages;
    private readonly int _writerCheckpointPages;
    private readonly SemaphoreSlim _init = new(1, 1);
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly ConcurrentBag<SqliteSession> _readers = [];
    private readonly Channel<QueuedWrite> _writes = Channel.CreateUnbounded<QueuedWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lazy<Task> _writeLoop;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _checkpointLoop;
    private long _commitSyncs;
    private SqliteSession? _writer;
    private volatile bool _initialized;
    private volatile bool _disposed;

    /// <summary>Creates the database in the configured data folder.</summary>
    /// <param name="options">Storage settings.</param>
    public SqliteDatabase(IOptions<LocalStorageOptions> options)
        : this(options.Value.PathOf("labeling.db"))
    {
    }

    /// <summary>Creates the database at a path.</summary>
    /// <param name="path">The database file.</param>
    public SqliteDatabase(string path)
        : this(path, PausedCheckpointPages, WriterCheckpointPages)
    {
    }

    /// <summary>Creates the database at a path with its own checkpoint sizes (tests make them small).</summary>
    /// <param name="path">The database file.</param>
    /// <param name="pausedCheckpointPages">See <see cref="PausedCheckpointPages"/>.</param>
    /// <param name="writerCheckpointPages">See <see cref="WriterCheckpointPages"/>; 0 for none.</param>
    internal SqliteDatabase(string path, int pausedCheckpointPages, int writerCheckpointPages)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pausedCheckpointPages);
        ArgumentOutOfRangeException.ThrowIfNegative(writerCheckpointPages);
        _pausedCheckpointPages = pausedCheckpointPages;
        _writerCheckpointPages = writerCheckpointPages;
        FilePath = Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        _writeLoop = new Lazy<Task>(() => Task.Run(WriteLoopAsync), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The database file.</summary>
    public string FilePath { get; }

    /// <summary>
    /// Projects whose queued commit failed, so that later commits computed from the same model must fail
    /// too until the model is reloaded (<see cref="Labeling.Application.Ports.IQueuedItemCommits"/>). Read and
    /// written only by work running on the writer's turn (<see cref="WriteAsync{T}"/>), which is one at a time.
    /// </summary>
    internal HashSet<string> PoisonedProjects { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The projects marked deleted (<see cref="SqliteProjectPurge"/>), read at start and added to on the writer's turn of the
    /// mark: every write of a project's items, votes, leases, documents or statistics checks it on its own turn
    /// (<see cref="ThrowIfDeleted"/>), so a write queued after the mark — a vote that read the project just before it — is
    /// refused, and nothing is written to a project being purged.
    /// </summary>
    internal System.Collections.Concurrent.ConcurrentDictionary<string, byte> DeletedProjects { get; } = new(StringComparer.Ordinal);

    /// <summary>Refuses a write of a deleted project (<see cref="DeletedProjects"/>) with a 404.</summary>
    /// <param name="projectId">The project written.</param>
    internal void ThrowIfDeleted(string projectId)
    {
        if (DeletedProjects.ContainsKey(projectId))
        {
            throw Labeling.Application.Problems.NotFoundException.Project(projectId);
        }
    }

    /// <summary>Leases granted by this process and not ended since (<see cref="SqliteGrantedLeases"/>), shared by the stores that write lease rows.</summary>
    internal SqliteGrantedLeases GrantedLeases { get; } = new();

    /// <summary>Items as last saved (<see cref="SqliteItemCache"/>), shared by the stores that read and write them.</summary>
    internal SqliteItemCache Items { get; } = new();

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

    /// <summary>Rents a read connection with its prepared statements; dispose the session to give it back.</summary>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>The session.</returns>
    internal async ValueTask<SqliteSession> ReadAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_readers.TryTake(out var session))
        {
            session.Trim();
            return session;
        }

        return new SqliteSession(await OpenAsync(cancellationToken).ConfigureAwait(false), this);
    }

    /// <summary>Takes back a read session (see <see cref="ReadAsync"/>).</summary>
    internal void Return(SqliteSession session)
    {
        if (_disposed || _readers.Count >= MaxIdleReaders || session.Connection.State != System.Data.ConnectionState.Open)
        {
            session.Close();
            return;
        }

        _readers.Add(session);
    }

    /// <summary>Waits for this process's turn to write, then begins an immediate transaction on the write connection.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The write; dispose it (after committing) to let the next writer in.</returns>
    internal async Task<SqliteWrite> BeginWriteAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var session = await WriterAsync(cancellationToken).ConfigureAwait(false);
            return new SqliteWrite(session, BeginTransaction(session), _writeGate);
        }
        catch
        {
            _writeGate.Release();
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> in the next group-committed transaction, inside a savepoint of its own,
    /// and completes once that transaction has committed.
    /// </summary>
    /// <typeparam name="T">What the work returns.</typeparam>
    /// <param name="work">
    /// The writes, through <see cref="SqliteWrite.Prepared"/>; it must not commit, and an exception rolls back
    /// this work only and is thrown to the caller. It runs on the writer's turn: it must do nothing but SQL.
    /// </param>
    /// <param name="cancellationToken">Cancels the write while it is still queued.</param>
    /// <param name="unsaved">
    /// Runs on the writer's turn when the work ran but its transaction then failed as a whole, or never ran
    /// because the transaction failed before it (not when the work's own exception rolled it back).
    /// </param>
    /// <returns>What the work returned, once it is committed.</returns>
    internal Task<T> WriteAsync<T>(Func<SqliteWrite, T> work, CancellationToken cancellationToken, Action? unsaved = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var write = new QueuedWrite<T>(work, cancellationToken, unsaved);
        _ = _writeLoop.Value;
        if (!_writes.Writer.TryWrite(write))
        {
            throw new ObjectDisposedException(nameof(SqliteDatabase));
        }

        return write.Task;
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

            OwnerOnlyDirectory.Create(Path.GetDirectoryName(FilePath)!);
            // Owner-only from its first byte (SQLite gives the -wal and -shm files the database's mode): it holds every
            // text, label and vote, also when the data folder is one the user made readable by others.
            OwnerOnlyDirectory.CreateFile(FilePath);
            var connection = await OpenRawAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                await ExecuteAsync(connection, "PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, SqliteSchema.Script, cancellationToken).ConfigureAwait(false);
                await SqliteSchema.UpgradeAsync(connection, cancellationToken).ConfigureAwait(false);
                await using var deleted = SqliteValues.Command(connection, "SELECT id FROM projects WHERE deleted_at IS NOT NULL");
                await using var reader = await deleted.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    DeletedProjects.TryAdd(reader.GetString(0), 0);
                }
            }

            _initialized = true;
        }
        finally
        {
            _init.Release();
        }
    }

    /// <summary>
    /// Creates or upgrades the database and checks that it can be written, before the server takes any work: a database
    /// another program holds locked past <paramref name="wait"/>, or one that is read-only, damaged or not a database,
    /// is a <see cref="DatabaseUnavailableException"/> naming the file and what to do, not a failed host start.
    /// </summary>
    /// <param name="wait">How long to wait for another program's lock.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>A task.</returns>
    /// <exception cref="DatabaseUnavailableException">The database cannot be used.</exception>
    public async Task CheckWritableAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        try
        {
            await InitializeAsync(cancellationToken).ConfigureAwait(false);
            var connection = await OpenRawAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                // SQLite waits busy_timeout for the lock, then Microsoft.Data.Sqlite retries until the command's timeout;
                // one statement per command (in one batch after the PRAGMA, which returns a row, a busy BEGIN raised nothing).
                await using var probe = connection.CreateCommand();
                probe.CommandTimeout = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
                probe.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout={(long)wait.TotalMilliseconds};");
                await probe.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await WriteAndRollBackAsync(probe, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED)
        {
            throw new DatabaseUnavailableException(
                string.Create(CultureInfo.InvariantCulture, $"The database {FilePath} is locked by another program (still after {wait.TotalSeconds:0} s: {ex.Message}). Close what holds it — a sqlite3 shell or a tool with a write transaction open — and start the server again."),
                ex);
        }
        catch (SqliteException ex)
        {
            throw new DatabaseUnavailableException(
                $"The database {FilePath} cannot be used ({ex.Message}). Check that the file is a Labeling.Server database, readable and writable by this user, on a disk with room; or start with a data folder of its own (--data DIR).",
                ex);
        }
    }

    /// <summary>
    /// Checks that the database takes a write now (what <c>/health</c> asks): waits for the writer's turn like any write,
    /// makes one and rolls it back, so nothing reaches the file.
    /// </summary>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>A task.</returns>
    /// <exception cref="SqliteException">The database does not take writes (read-only, full, failing).</exception>
    public async Task ProbeWriteAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand();
            await WriteAndRollBackAsync(command, cancellationToken).ConfigureAwait(false);
        }
    }

    // A write, rolled back: the write lock alone is granted on a file SQLite could open only for reading.
    private static async Task WriteAndRollBackAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        command.CommandText = "BEGIN IMMEDIATE;";
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            command.CommandText = "CREATE TABLE main.write_probe (x);";
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            command.CommandText = "ROLLBACK;";
            await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Puts every commit made so far on the disk itself: an <c>fsync</c> of the WAL file, which holds every commit not yet
    /// copied back into the database (and a commit copied back by a checkpoint that finished was synced by it, before the
    /// WAL could start over). With <c>synchronous=NORMAL</c> a power cut or a kernel crash can take back the last commits;
    /// what is sent out of the process (an event) must not be one of them, or a receiver holds a decision the database no
    /// longer has — and the decision made again later has the same event id, which a receiver deduplicating on it drops.
    /// </summary>
    /// <remarks>
    /// The WAL is opened and synced on its own, beside SQLite and without the writer's turn: SQLite takes no lock on the WAL
    /// file itself (its locks are on the database and the <c>-shm</c> file), so opening and closing it here releases none
    /// of them. A small commit made with <c>synchronous=FULL</c> would sync the same, but inside the writer's turn: every
    /// vote and lease behind it would wait for the sync.
    /// </remarks>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes once the commits are synced.</returns>
    public Task SyncCommitsAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        // No WAL file: no commit outside the database file, which the checkpoint that emptied the WAL synced.
        FileSync.Existing(WalPath);
        Interlocked.Increment(ref _commitSyncs);
        return Task.CompletedTask;
    }

    /// <summary>
    /// The WAL file: beside the database file's final target, where SQLite keeps it when the database is a symbolic link
    /// (beside the link, it was a file that did not exist, and nothing was synced).
    /// </summary>
    internal string WalPath => (new FileInfo(FilePath).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? FilePath) + "-wal";

    /// <summary>How many times <see cref="SyncCommitsAsync"/> has synced; tests read it.</summary>
    internal long CommitSyncs => Interlocked.Read(ref _commitSyncs);

    /// <summary>Finishes the queued writes and closes the connections this database keeps open.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _stopping.Cancel();
        _checkpointLoop?.Wait(TimeSpan.FromSeconds(10));
        _writes.Writer.TryComplete();
        if (_writeLoop.IsValueCreated)
        {
            _writeLoop.Value.Wait(TimeSpan.FromSeconds(10));
        }

        while (_readers.TryTake(out var session))
        {
            session.Close();
        }

        _writeGate.Wait(TimeSpan.FromSeconds(10));
        _writer?.Close();
        _writer = null;
    }

    private static SqliteTransaction BeginTransaction(SqliteSession session) => session.Connection.BeginTransaction(deferred: false);

    private async Task WriteLoopAsync()
    {
        var batch = new List<QueuedWrite>(MaxBatch);
        var reader = _writes.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxBatch && reader.TryRead(out var write))
            {
                batch.Add(write);
            }

            await _writeGate.WaitAsync().ConfigureAwait(false);
            try
            {
                await RunBatchAsync(batch).ConfigureAwait(false);
            }
            finally
            {
                _writeGate.Release();
            }

            // After the commit (and outside the gate): only now may callers act on their writes.
            foreach (var write in batch)
            {
                write.Complete();
            }

            batch.Clear();
        }
    }

    private async Task RunBatchAsync(List<QueuedWrite> batch)
    {
        try
        {
            var session = await WriterAsync(CancellationToken.None).ConfigureAwait(false);
            using var transaction = BeginTransaction(session);
            var write = new SqliteWrite(session, transaction, gate: null);
            foreach (var queued in batch)
            {
                if (queued.IsCanceled)
                {
                    continue;
                }

                write.Prepared("SAVEPOINT queued_write").ExecuteNonQuery();
                try
                {
                    queued.Run(write);
                    write.Prepared("RELEASE queued_write").ExecuteNonQuery();
                }
                catch (Exception ex) when (ex is not SqliteException { SqliteErrorCode: not 19 })
                {
                    // The work's own failure (a conflict, a broken constraint): undo it alone.
                    write.Prepared("ROLLBACK TO queued_write").ExecuteNonQuery();
                    write.Prepared("RELEASE queued_write").ExecuteNonQuery();
                    queued.Fail(ex);
                }
            }

            transaction.Commit();
        }
        catch (Exception ex)
        {
            // Nothing of this batch was saved; a failure of SQLite itself may have left the connection unusable.
            foreach (var queued in batch)
            {
                queued.FailUnsaved(ex);
            }

            _writer?.Close();
            _writer = null;
        }
    }

    // Called under the write gate only.
    private async ValueTask<SqliteSession> WriterAsync(CancellationToken cancellationToken)
    {
        if (_writer is null)
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA wal_autocheckpoint={_writerCheckpointPages};"), cancellationToken).ConfigureAwait(false);
            _writer = new SqliteSession(connection, pool: null);
            _checkpointLoop ??= Task.Run(CheckpointLoopAsync);
        }

        return _writer;
    }

    private async Task CheckpointLoopAsync()
    {
        SqliteConnection? connection = null;
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(CheckpointInterval, _stopping.Token).ConfigureAwait(false);
                connection ??= await OpenRawAsync(_stopping.Token).ConfigureAwait(false);
                var walPages = await CheckpointAsync(connection, _stopping.Token).ConfigureAwait(false);
                if (walPages >= _pausedCheckpointPages)
                {
                    // With the writer held back, this one copies what was written during the last and can finish; the
                    // writer's next transaction then starts the WAL over.
                    await _writeGate.WaitAsync(_stopping.Token).ConfigureAwait(false);
                    try
                    {
                        await CheckpointAsync(connection, _stopping.Token).ConfigureAwait(false);
                    }
                    finally
                    {
                        _writeGate.Release();
                    }
                }
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                break;
            }
            catch (SqliteException)
            {
                // A failed checkpoint loses nothing (the pages stay in the WAL); try again with a fresh connection.
                await (connection?.DisposeAsync() ?? ValueTask.CompletedTask).ConfigureAwait(false);
                connection = null;
            }
        }

        await (connection?.DisposeAsync() ?? ValueTask.CompletedTask).ConfigureAwait(false);
    }

    // A passive checkpoint; returns the pages in the WAL (0 when SQLite reports none, as when the database is not in WAL mode).
    private static async Task<long> CheckpointAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Math.Max(0, reader.GetInt64(1)) : 0;
    }

    private async Task<SqliteConnection> OpenRawAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, $"PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; PRAGMA temp_store=MEMORY; PRAGMA journal_size_limit={JournalSizeLimit};", cancellationToken).ConfigureAwait(false);
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

    /// <summary>A write waiting for the next group commit.</summary>
    private abstract class QueuedWrite
    {
        public abstract bool IsCanceled { get; }

        public abstract void Run(SqliteWrite write);

        public abstract void Fail(Exception exception);

        public abstract void FailUnsaved(Exception exception);

        public abstract void Complete();
    }

    private sealed class QueuedWrite<T> : QueuedWrite
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Func<SqliteWrite, T> _work;
        private readonly CancellationToken _cancellationToken;
        private readonly Action? _unsaved;
        private bool _ran;
        private T? _result;
        private Exception? _error;

        public QueuedWrite(Func<SqliteWrite, T> work, CancellationToken cancellationToken, Action? unsaved)
        {
            _work = work;
            _cancellationToken = cancellationToken;
            _unsaved = unsaved;
        }

        public Task<T> Task => _done.Task;

        // Checked once, before the work runs: after that the write is part of the batch and commits or fails with it.
        public override bool IsCanceled => !_ran && _cancellationToken.IsCancellationRequested;

        public override void Run(SqliteWrite write)
        {
            _ran = true;
            _result = _work(write);
        }

        public override void Fail(Exception exception) => _error = exception;

        public override void FailUnsaved(Exception exception)
        {
            if (_error is null)
            {
                _error = exception;
                _unsaved?.Invoke();
            }
        }

        public override void Complete()
        {
            if (_error is not null)
            {
                _done.TrySetException(_error);
            }
            else if (!_ran)
            {
                _done.TrySetCanceled(_cancellationToken);
            }
            else
            {
                _done.TrySetResult(_result!);
            }
        }
    }
}

/// <summary>The database cannot be opened for writing (<see cref="SqliteDatabase.CheckWritableAsync"/>).</summary>
public sealed class DatabaseUnavailableException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public DatabaseUnavailableException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened and what to do.</param>
    public DatabaseUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened and what to do.</param>
    /// <param name="innerException">SQLite's error.</param>
    public DatabaseUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
