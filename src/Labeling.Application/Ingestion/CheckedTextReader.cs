using System.Globalization;
using System.Text;

namespace Labeling.Application.Ingestion;

/// <summary>
/// Decodes a text file as UTF-8 (a byte-order mark overrides) and rejects it when too many characters
/// are undecodable — the sign of a binary file or a legacy encoding.
/// </summary>
/// <remarks>
/// Invalid bytes decode to U+FFFD instead of throwing so that one stray Latin-1 byte in a large file
/// does not cost the whole file; the share of U+FFFD and NUL characters is checked once
/// <see cref="MinimumSample"/> characters have been read and again at the end, and by
/// <see cref="NotTextOr"/> whenever a parser is about to reject the file for another reason.
/// </remarks>
internal sealed class CheckedTextReader : TextReader
{
    internal const int MinimumSample = 4096;

    private readonly StreamReader _inner;
    private readonly double _maxInvalidFraction;
    private long _total;
    private long _invalid;

    public CheckedTextReader(Stream content, double maxInvalidFraction)
    {
        _inner = new StreamReader(
            content,
            new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false),
            detectEncodingFromByteOrderMarks: true,
            bufferSize: 16 * 1024,
            leaveOpen: true);
        _maxInvalidFraction = maxInvalidFraction;
    }

    public override int Peek() => _inner.Peek();

    public override int Read()
    {
        var c = _inner.Read();
        if (c < 0)
        {
            Check(atEnd: true);
        }
        else
        {
            Counted([(char)c], atEnd: false);
        }

        return c;
    }

    public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

    public override int Read(Span<char> buffer)
    {
        var read = _inner.Read(buffer);
        Counted(buffer[..read], read == 0);
        return read;
    }

    public override Task<int> ReadAsync(char[] buffer, int index, int count) =>
        ReadAsync(buffer.AsMemory(index, count)).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<char> buffer, CancellationToken cancellationToken = default)
    {
        var read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Counted(buffer.Span[..read], read == 0);
        return read;
    }

    public override string? ReadLine() => CountedLine(_inner.ReadLine());

    public override Task<string?> ReadLineAsync() => ReadLineAsync(CancellationToken.None).AsTask();

    public override async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken) =>
        CountedLine(await _inner.ReadLineAsync(cancellationToken).ConfigureAwait(false));

    public override string ReadToEnd()
    {
        var text = _inner.ReadToEnd();
        Counted(text, atEnd: true);
        return text;
    }

    public override Task<string> ReadToEndAsync() => ReadToEndAsync(CancellationToken.None);

    public override async Task<string> ReadToEndAsync(CancellationToken cancellationToken)
    {
        var text = await _inner.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        Counted(text, atEnd: true);
        return text;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private string? CountedLine(string? line)
    {
        if (line is null)
        {
            Check(atEnd: true);
        }
        else
        {
            // The line break ReadLine strips still counts as a decoded character.
            _total++;
            Counted(line, atEnd: false);
        }

        return line;
    }

    private void Counted(ReadOnlySpan<char> chars, bool atEnd)
    {
        Count(chars);
        Check(atEnd);
    }

    private void Count(ReadOnlySpan<char> chars)
    {
        _total += chars.Length;
        foreach (var c in chars)
        {
            if (c is '\uFFFD' or '\0')
            {
                _invalid++;
            }
        }
    }

    /// <summary>
    /// The rejection to give instead of <paramref name="other"/>: the encoding's when what was read so far is
    /// over the limit, however little that is, since a binary file's "missing column" or "broken quote" only
    /// sends the uploader after the wrong fix.
    /// </summary>
    public DocumentRejectedException NotTextOr(DocumentRejectedException other) => NotText() ?? other;

    private void Check(bool atEnd)
    {
        if (!atEnd && _total < MinimumSample)
        {
            return;
        }

        if (NotText() is { } rejected)
        {
            throw rejected;
        }
    }

    private DocumentRejectedException? NotText() =>
        _invalid > 0 && _invalid > _maxInvalidFraction * _total
            ? new DocumentRejectedException(
                string.Create(CultureInfo.InvariantCulture, $"The file does not look like UTF-8 text: {_invalid:N0} of the first {_total:N0} characters could not be decoded. ") +
                "If it is text, save it as UTF-8 and upload it again.")
            : null;
}
