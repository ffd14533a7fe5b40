using System.Text;
using Labeling.Application.Ports;

namespace Labeling.Adapters.Local.Events;

/// <summary>Appends each event, one CloudEvent JSON per line, to a file. At-least-once: a line may repeat after a crash.</summary>
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
            var stream = new FileStream(FilePath, FileMode.Append, FileAccess.Write, FileShare.Read);
            await using (stream.ConfigureAwait(false))
            {
                var bytes = Utf8.GetBytes(outboxEvent.Payload + "\n");
                await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
