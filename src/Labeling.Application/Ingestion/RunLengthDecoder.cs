namespace Labeling.Application.Ingestion;

/// <summary>
/// Decodes a PDF <c>RunLengthDecode</c> stream (PDF 32000-1 §7.4.5) into no more than a given number of bytes.
/// </summary>
/// <remarks>
/// The data is a series of runs, each led by a length byte <c>n</c>: 0 to 127 copy the next <c>n + 1</c> bytes,
/// 129 to 255 repeat the next byte <c>257 − n</c> times, and 128 ends the data. Two bytes can stand for 128, so
/// the output can be 64 times the input. The decoded length is counted first, without writing anything, and
/// the output allocated once at that size only if it is within the limit. Data that ends inside a run keeps
/// what it has.
/// </remarks>
internal static class RunLengthDecoder
{
    private const int EndOfData = 128;

    /// <summary>Decodes <paramref name="input"/>, or returns false when the output would pass <paramref name="limit"/> bytes.</summary>
    /// <param name="input">The encoded stream.</param>
    /// <param name="limit">Most bytes the output may hold.</param>
    /// <param name="decoded">The decoded bytes; empty when the method returns false.</param>
    public static bool TryDecode(ReadOnlySpan<byte> input, long limit, out Memory<byte> decoded)
    {
        decoded = Memory<byte>.Empty;
        var length = Run(input, output: []);
        if (length > limit)
        {
            return false;
        }

        var output = new byte[length];
        Run(input, output);
        decoded = output;
        return true;
    }

    // Walks the runs and returns the decoded length; writes them into output when it is not empty.
    private static long Run(ReadOnlySpan<byte> input, Span<byte> output)
    {
        long length = 0;
        var i = 0;
        while (i < input.Length && input[i] != EndOfData)
        {
            int n = input[i++];
            if (n < EndOfData)
            {
                var literal = input.Slice(i, Math.Min(n + 1, input.Length - i));
                if (!output.IsEmpty)
                {
                    literal.CopyTo(output[(int)length..]);
                }

                length += literal.Length;
                i += literal.Length;
            }
            else if (i < input.Length)
            {
                if (!output.IsEmpty)
                {
                    output.Slice((int)length, 257 - n).Fill(input[i]);
                }

                length += 257 - n;
                i++;
            }
        }

        return length;
    }
}
