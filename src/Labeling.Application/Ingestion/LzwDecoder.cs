using System.Globalization;

namespace Labeling.Application.Ingestion;

/// <summary>
/// Decodes a PDF <c>LZWDecode</c> stream (PDF 32000-1 §7.4.4) into no more than a given number of bytes,
/// so a stream that expands past the limit is stopped there instead of being decoded in full first.
/// </summary>
/// <remarks>
/// <para>Codes are 9 to 12 bits wide, most significant bit first. 256 clears the table, 257 ends the data,
/// and 258 onwards name the sequences the table learns: each new entry is the previous code's sequence
/// followed by the first byte of the current one. With <c>EarlyChange</c> 1 (the default) the codes get one bit
/// wider as soon as the next entry would be 511, 1,023 or 2,047; with 0, one entry later. A full table
/// (4,096 entries) learns nothing more until the next clear.</para>
/// <para>A single code can name a sequence of almost 4,000 bytes, so LZW expands by up to about 1,400 times
/// when the table is cleared as it fills: 1.1 MB of codes decoded to 1.5 GB.</para>
/// <para>Every sequence the table names is a range of the output already written, so the table keeps only
/// where each starts and how long it is. Data that runs out before the end code ends there, as in other PDF
/// readers; a code that is neither in the table nor the one about to be added is an error.</para>
/// </remarks>
internal static class LzwDecoder
{
    private const int ClearTable = 256;
    private const int EndOfData = 257;
    private const int FirstSequence = 258;
    private const int TableSize = 4096;
    private const int MaxCodeBits = 12;

    /// <summary>Decodes <paramref name="input"/>, or returns false when the output would pass <paramref name="limit"/> bytes.</summary>
    /// <param name="input">The encoded stream.</param>
    /// <param name="earlyChange">The stream's <c>EarlyChange</c> is not 0.</param>
    /// <param name="limit">Most bytes the output may hold.</param>
    /// <param name="decoded">The decoded bytes; empty when the method returns false.</param>
    /// <exception cref="InvalidDataException">A code names no sequence.</exception>
    public static bool TryDecode(ReadOnlySpan<byte> input, bool earlyChange, long limit, out Memory<byte> decoded)
    {
        // The codes are read twice: once only to add up the sequences' lengths, which the table knows without the
        // bytes, and once to write them into an array of exactly that size. A stream that decodes past the limit
        // is refused having allocated nothing for its output.
        decoded = Memory<byte>.Empty;
        var length = Walk(input, earlyChange, limit, output: []);
        if (length > limit)
        {
            return false;
        }

        var output = new byte[length];
        Walk(input, earlyChange, limit, output);
        decoded = output;
        return true;
    }

    // Follows the codes and returns the decoded length, stopping as soon as it passes the limit; writes the
    // sequences into output when it is not empty.
    private static long Walk(ReadOnlySpan<byte> input, bool earlyChange, long limit, Span<byte> output)
    {
        Span<int> starts = new int[TableSize];
        Span<int> lengths = new int[TableSize];
        var written = 0L;
        var next = FirstSequence;
        var width = 9;
        var previous = -1;
        var previousStart = 0;
        var previousLength = 0;
        var reader = new CodeReader(input);
        while (written <= limit && reader.TryRead(width, out var code) && code != EndOfData)
        {
            if (code == ClearTable)
            {
                (next, width, previous) = (FirstSequence, 9, -1);
                continue;
            }

            if (code > next || (code == next && previous < 0))
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"LZW code {code} names no sequence: the table holds {next} entries."));
            }

            var length = code < ClearTable ? 1 : code < next ? lengths[code] : previousLength + 1;
            // Where the sequence goes. Only writing reads it, and then the output is an array no longer than the limit;
            // a count alone may run past what an int holds.
            var at = (int)Math.Min(written, int.MaxValue);
            if (!output.IsEmpty)
            {
                if (code < ClearTable)
                {
                    output[at] = (byte)code;
                }
                else if (code < next)
                {
                    output.Slice(starts[code], length).CopyTo(output[at..]);
                }
                else
                {
                    // The code the encoder added just before sending it: the previous sequence and that sequence's first byte.
                    output.Slice(previousStart, previousLength).CopyTo(output[at..]);
                    output[at + previousLength] = output[previousStart];
                }
            }

            if (previous >= 0 && next < TableSize)
            {
                // The previous sequence is followed in the output by this one's first byte, so the new entry is a range too.
                starts[next] = previousStart;
                lengths[next] = previousLength + 1;
                next++;
                if (width < MaxCodeBits && next + (earlyChange ? 1 : 0) >= 1 << width)
                {
                    width++;
                }
            }

            (previous, previousStart, previousLength) = (code, at, length);
            written += length;
        }

        return written;
    }

    // Reads codes of a given width, most significant bit first.
    private ref struct CodeReader(ReadOnlySpan<byte> input)
    {
        private readonly ReadOnlySpan<byte> _input = input;
        private long _bit;

        public bool TryRead(int width, out int code)
        {
            code = 0;
            if (_bit + width > 8L * _input.Length)
            {
                return false;
            }

            // A code of at most 12 bits starting anywhere in a byte lies within three bytes.
            var at = (int)(_bit >> 3);
            var window = _input[at] << 16;
            window |= at + 1 < _input.Length ? _input[at + 1] << 8 : 0;
            window |= at + 2 < _input.Length ? _input[at + 2] : 0;
            code = (window >> (24 - (int)(_bit & 7) - width)) & ((1 << width) - 1);
            _bit += width;
            return true;
        }
    }
}
