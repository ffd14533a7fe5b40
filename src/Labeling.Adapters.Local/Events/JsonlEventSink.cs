using System.Text;
using Labeling.Adapters.Local.Hosting;
using Labeling.Application.Ports;

namespace Labeling.Adapters.Local.Events;

/// <summary>Appends each event, one CloudEvent JSON per line, to a file. At-least-once: a line may repeat after a crash.</summary>
/// <remarks>
/// <para>Every event starts on a line of its own, whatever happened to the last one: a write that fails (the disk full) is
/// cut back off the file before the failure is reported, and a file that ends inside a line (the process killed
/// mid-write) gets a line break before the next event, so a torn line never swallows the event written after it.</para>
/// <para>The lines of a dispatch round are synced to the disk at its end (<see cref="SyncAsync"/>, with the file's name
/// when the file is new), before the dispatcher records them delivered: flushed only, a power cut or a kernel crash could
/// take back lines whose events counted as delivered. One sync per round (up to <c>Events:BatchSize</c> lines), not per
/// line: a sync costs about 0.3 ms on this machine's disk, and far more on a slow one.</para>
/// <para>The file stays open for a round only while it is still the file at <see cref="FilePath"/>: a rotation that renames
/// it (logrotate without copytruncate) or truncates it is seen at the next event, the old file is synced and closed, and
/// the event goes to the file now at the path.</para>
/// </remarks>
public sealed class JsonlEventSink : IEventSink
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private FileStream? _open;
    private IOException? _unsettled;

    // Whether the file's name is known to be on the disk: not at first, whoever created it, nor when the file is found
    // empty (created by this open after a rotation); set once its folder has been synced after a line.
    private bool _named;

    // Whether this sink created the file's folder and has not synced its name in the folder above yet.
    private bool _folderNew;

    /// <summary>Creates the sink.</summary>
    /// <param name="path">The file; its folder is created.</param>
    public JsonlEventSink(string path)
    {
        FilePath = Path.GetFullPath(path);
    }

    /// <summary>The JSONL file.</summary>
    public string FilePath { get; }

    /// <inheritdoc />
    public string Name => "jsonl";

    /// <inheritdoc />
    public bool DurableOnSync => true;

    /// <summary>Syncs the file's contents; tests record when.</summary>
    internal Action<FileStream> SyncContents { get; init; } = FileSync.Contents;

    /// <summary>Syncs a folder's names; tests record when.</summary>
    internal Action<string> SyncFolder { get; init; } = FileSync.Folder;

    /// <inheritdoc />
    public async Task DeliverAsync(OutboxEvent outboxEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outboxEvent);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stream = await OpenAsync(cancellationToken).ConfigureAwait(false);
            var start = stream.Length;
            var torn = start > 0 && await LastByteAsync(stream, cancellationToken).ConfigureAwait(false) != '\n';
            var bytes = Utf8.GetBytes((torn ? "\n" : string.Empty) + outboxEvent.Payload + "\n");
            stream.Seek(start, SeekOrigin.Begin);
            try
            {
                await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // Part of the line may be on disk: cut it off so the retry's line is whole and alone. The lines before it
                // in this round are still synced by the round's end.
                CutBack(stream, start);
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async Task SyncAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_unsettled is { } failed)
            {
                _unsettled = null;
                throw new IOException($"The events file renamed away during this round could not be synced: {failed.Message}", failed);
            }

            if (_open is { } stream)
            {
                _open = null;
                await using (stream.ConfigureAwait(false))
                {
                    Settle(stream);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    // The file open for this round, if it is still the one at the path (same length: nothing renamed or truncated it), else
    // the file at the path, opened after the old one is synced and closed.
    private async Task<FileStream> OpenAsync(CancellationToken cancellationToken)
    {
        if (_open is { } open)
        {
            var atPath = new FileInfo(FilePath);
            if (atPath.Exists && atPath.Length == open.Length)
            {
                return open;
            }

            _open = null;
            await using (open.ConfigureAwait(false))
            {
                try
                {
                    Settle(open);
                }
                catch (IOException ex)
                {
                    // The round's lines before this event are in the file renamed away, unsynced: the round's sync says so.
                    _unsettled = ex;
                    throw;
                }
            }
        }

        var folder = Path.GetDirectoryName(FilePath)!;
        if (!Directory.Exists(folder))
        {
            Directory.CreateDirectory(folder);
            _folderNew = true;
        }
        // Unbuffered, so a failed write leaves nothing pending that closing the file would try to write again.
        var stream = new FileStream(FilePath, new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.Read | FileShare.Delete, BufferSize = 0 });
        _named &= stream.Length > 0; // an empty file may be one this open created (the first, or after a rotation)
        _open = stream;
        return stream;
    }

    // The file's lines on the disk, and its name with them when it may be new.
    private void Settle(FileStream stream)
    {
        SyncContents(stream);
        var folder = Path.GetDirectoryName(FilePath)!;
        if (!_named)
        {
            SyncFolder(folder);
            _named = true;
        }

        if (_folderNew && Path.GetDirectoryName(folder) is { } above)
        {
            // The folder's own name, in the folder above, only when this sink made it: that one may not be readable.
            SyncFolder(above);
            _folderNew = false;
        }
    }

    private static async Task<int> LastByteAsync(FileStream stream, CancellationToken cancellationToken)
    {
        var last = new byte[1];
        stream.Seek(-1, SeekOrigin.End);
        return await stream.ReadAsync(last, cancellationToken).ConfigureAwait(false) == 1 ? last[0] : -1;
    }

    private static void CutBack(FileStream stream, long length)
    {
        try
        {
            stream.SetLength(length);
        }
        catch (IOException)
        {
            // Nothing more to do here; the next write starts on a new line all the same.
        }
    }
}
