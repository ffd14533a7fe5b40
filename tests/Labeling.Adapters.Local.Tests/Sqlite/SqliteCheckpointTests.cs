using Labeling.Adapters.Local.Sqlite;
using Microsoft.Data.Sqlite;

namespace Labeling.Adapters.Local.Tests.Sqlite;

/// <summary>
/// SQLite starts the WAL file over only when a checkpoint has copied all of it back before the writer's next transaction
/// begins. The write connection no longer checkpoints inside its commits (a backstop aside): the background loop does, and
/// holds the writer back for one more checkpoint once the WAL is large. Under a writer that always has the next batch
/// queued the WAL must still start over.
/// </summary>
/// <remarks>
/// The figures behind the design (stalls of 30–40 ms, three a second, under 2,100 votes a second, when the write
/// connection checkpointed) are a benchmark's (docs/benchmarks.md), not this test's: here the loop's plain checkpoint
/// also lets the WAL start over now and then, between two batches.
/// </remarks>
public sealed class SqliteCheckpointTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("labeling-checkpoint-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task ContinuousWrites_WriterNeverCheckpoints_WalStillStartsOver()
    {
        // The write connection never checkpoints by itself (0), so only the loop can let the WAL start over.
        using var database = new SqliteDatabase(Path.Combine(_folder, "labeling.db"), pausedCheckpointPages: 50, writerCheckpointPages: 0);
        await database.InitializeAsync(CancellationToken.None);
        var body = new string('x', 3000);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(6));

        // More writes outstanding than one batch takes, each taking a millisecond or more: when a batch commits the next is
        // already queued, so the writer is busy all the time, as under load.
        using var outstanding = new SemaphoreSlim(3 * 128);
        var writes = new List<Task>();
        var producer = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                await outstanding.WaitAsync();
                var id = $"p{i}";
                var write = database.WriteAsync(
                    write =>
                    {
                        var insert = write.Prepared("INSERT INTO projects (id, body, created_at) VALUES ($id, $body, 0)");
                        insert.Add("$id", id);
                        insert.Add("$body", body);
                        Thread.Sleep(1);
                        return insert.ExecuteNonQuery();
                    },
                    CancellationToken.None);
                _ = write.ContinueWith(_ => outstanding.Release(), TaskScheduler.Default);
                lock (writes)
                {
                    writes.Add(write);
                }
            }
        });

        // The WAL header's checkpoint sequence number goes up each time SQLite starts the file over.
        var sequences = new HashSet<uint>();
        while (!stop.IsCancellationRequested)
        {
            if (WalCheckpointSequence(database.FilePath + "-wal") is { } sequence)
            {
                sequences.Add(sequence);
            }

            await Task.Delay(10);
        }

        await producer;
        Task[] all;
        lock (writes)
        {
            all = [.. writes];
        }

        await Task.WhenAll(all); // every write saved: holding the writer back lost none
        Assert.True(sequences.Count >= 2, $"the WAL started over {sequences.Count - 1} times in 6 s (sequences seen: {string.Join(", ", sequences)})");
    }

    private static uint? WalCheckpointSequence(string walPath)
    {
        try
        {
            using var wal = new FileStream(walPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            Span<byte> header = stackalloc byte[16];
            return wal.ReadAtLeast(header, 16, throwOnEndOfStream: false) == 16 ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header[12..]) : null;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }
}
