using System.Text;
using Labeling.Application.Ports;

namespace Labeling.Adapters.Local.Events;

/// <summary>Appends each event, one CloudEvent JSON per line, to a file. At-least-once: a line may repeat after a crash.</summary>
/// <remarks>
/// Every event starts on a line of its own, whatever happened to the last one: a write that fails (the disk full) is cut
/// back off the file before the failure is reported, and a file that ends inside a line (the process killed mid-write)
/// gets a line break before the next event, so a torn line never swallows the event written after it. The file is opened
/// for each event, so a rotation that renames it (logrotate without copytruncate) is safe: the next event starts a new file.
/// Each line is synced to the disk before the dispatcher is told it is delivered (and a new file's name with it), so a
/// power cut or a kernel crash cannot take back an event marked delivered: flushed only, the last lines could be lost for
/// good while their events counted as delivered. A sync costs about 0.3 ms here.
/// </remarks>
public sealed class JsonlEventSink : IEventSink
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Creates the sink.</summary>
    /// <param name="path">The file; its folder is created.</param>
    public JsonlEventSink(string path)
    {
        FilePath = Path.GetFullPath(path);
    }

    /// <summary>The JSONL file.</summary>
    public string FilePath { get; }

    /// <summary>Syncs the file's contents; tests record when.</summary>
    internal Action<FileStream> SyncContents { get; init; } = FileSync.Contents;

    /// <summary>Syncs a folder's names; tests record when.</summary>
    internal Action<string> SyncFolder { get; init; } = FileSync.Folder;

    // Whether the file's name (and its folder's, in the folder above) is known to be on the disk: not at first, whoever
    // created them, nor when the file is found empty (created by this open after a rotation); set once both folders have
    // been synced after a line.
    private bool _named;

    /// <inheritdoc />
    public string Name => "jsonl";

    /// <inheritdoc />
    public async Task DeliverAsync(OutboxEvent outboxEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outboxEvent);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var folder = Path.GetDirectoryName(FilePath)!;
            Directory.CreateDirectory(folder);
            // Unbuffered, so a failed write leaves nothing pending that closing the file would try to write again.
            var stream = new FileStream(FilePath, new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.Read, BufferSize = 0 });
            await using (stream.ConfigureAwait(false))
            {
                var start = stream.Length;
                _named &= start > 0; // an empty file may be one this open created (the first, or after a rotation)
                var torn = start > 0 && await LastByteAsync(stream, cancellationToken).ConfigureAwait(false) != '\n';
                var bytes = Utf8.GetBytes((torn ? "\n" : string.Empty) + outboxEvent.Payload + "\n");
                stream.Seek(start, SeekOrigin.Begin);
                try
                {
                    await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                    await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                    SyncContents(stream);
                    if (!_named)
                    {
                        SyncFolder(folder);
                        SyncFolder(Path.GetDirectoryName(folder) ?? folder);
                        _named = true;
                    }
                }
                catch (IOException)
                {
                    // Part of the line may be on disk: cut it off so the retry's line is whole and alone.
                    CutBack(stream, start);
                    throw;
                }
            }
        }
        finally
        {
            _gate.Release();
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
