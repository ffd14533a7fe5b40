namespace Labeling.Application.Tests.Ingestion;

/// <summary>A test-side PDF RunLengthDecode encoder (PDF 32000-1 §7.4.5): runs of three or more equal bytes become runs, the rest literals.</summary>
internal static class RunLengthEncoder
{
    public static byte[] Encode(ReadOnlySpan<byte> data)
    {
        var output = new List<byte>();
        var i = 0;
        while (i < data.Length)
        {
            var run = 1;
            while (i + run < data.Length && run < 128 && data[i + run] == data[i])
            {
                run++;
            }

            if (run >= 3)
            {
                output.Add((byte)(257 - run));
                output.Add(data[i]);
                i += run;
                continue;
            }

            var literal = 1;
            while (i + literal < data.Length && literal < 128
                && !(i + literal + 2 < data.Length && data[i + literal] == data[i + literal + 1] && data[i + literal] == data[i + literal + 2]))
            {
                literal++;
            }

            output.Add((byte)(literal - 1));
            output.AddRange(data.Slice(i, literal));
            i += literal;
        }

        output.Add(128);
        return [.. output];
    }

    /// <summary>
    /// <paramref name="runs"/> runs of 128 copies of <paramref name="value"/>, two bytes each, as a decompression bomb packs them.
    /// </summary>
    public static byte[] Bomb(byte value, int runs)
    {
        var output = new byte[(2 * runs) + 1];
        for (var r = 0; r < runs; r++)
        {
            output[2 * r] = 129;
            output[(2 * r) + 1] = value;
        }

        output[^1] = 128;
        return output;
    }
}
