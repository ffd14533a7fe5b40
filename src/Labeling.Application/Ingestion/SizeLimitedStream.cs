using System.Globalization;
namespace Labeling.Application.Ingestion;

/// <summary>
/// Read-only view of a stream that fails once more than a limit has been read: with a rejection of the
/// document (<see cref="Wrap"/>), or with the exception the caller gives (a request body's 413).
/// </summary>
internal sealed class SizeLimitedStream(Stream inner, long maxBytes, Func<long, Exception> tooLarge) : Stream
{
    private long _read;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public static Stream Wrap(Stream content, long maxBytes)
    {
        if (content.CanSeek && content.Length - content.Position > maxBytes)
        {
            throw TooLarge(maxBytes);
        }

        return new SizeLimitedStream(content, maxBytes, TooLarge);
    }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private static DocumentRejectedException TooLarge(long maxBytes) =>
        new($"The file is larger than the {FormatBytes(maxBytes)} limit. Split it into smaller files or raise Ingestion:MaxFileBytes.");

    private static string FormatBytes(long bytes) => bytes switch
    {
        >= 1024 * 1024 when bytes % (1024 * 1024) == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024 * 1024)} MB"),
        >= 1024 when bytes % 1024 == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes:N0}-byte"),
    };

    private int Count(int read)
    {
        _read += read;
        if (_read > maxBytes)
        {
            throw tooLarge(maxBytes);
        }

        return read;
    }
}
