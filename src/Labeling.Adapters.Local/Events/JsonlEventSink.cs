using System.Text;
using Labeling.Application.Ports;

namespace Labeling.Adapters.Local.Events;

/// <summary>Appends each event, one CloudEvent JSON per line, to a file. At-least-once: a line may repeat after a crash.</summary>
/// <remarks>
/// Every event starts on a line of its own, whatever happened to the last one: a write that fails (the disk full) is cut
/// back off the file before the failure is reported, and a file that ends inside a line (the process killed mid-write)
/// gets a line break before the next event, so a torn line never swallows the event written after it. The file is opened
/// for each event, so a rotation that renames it (logrotate without copytruncate) is safe: the next event starts a new file.
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

    /// <inheritdoc />
    public string Name => "jsonl";

    /// <inheritdoc />
    public async Task DeliverAsync(OutboxEvent outboxEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outboxEvent);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
            // Unbuffered, so a failed write leaves nothing pending that closing the file would try to write again.
            var stream = new FileStream(FilePath, new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.Read, BufferSize = 0 });
            await using (stream.ConfigureAwait(false))
            {
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
