namespace Labeling.Application.Tests.Ingestion;

/// <summary>
/// A test-side PDF LZW encoder (PDF 32000-1 §7.4.4), written separately from the decoder under test: 9- to
/// 12-bit codes, most significant bit first, a clear code first and the end code last.
/// </summary>
internal static class LzwEncoder
{
    private const int ClearTable = 256;
    private const int EndOfData = 257;
    private const int TableSize = 4096;

    /// <summary>Encodes <paramref name="data"/>; without <paramref name="clearWhenFull"/> a full table is kept and its codes reused.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> data, bool earlyChange = true, bool clearWhenFull = true)
    {
        var writer = new CodeWriter(earlyChange);
        var table = new Dictionary<(int Prefix, byte Next), int>();
        writer.Write(ClearTable);
        var current = -1;
        foreach (var b in data)
        {
            if (current < 0)
            {
                current = b;
            }
            else if (table.TryGetValue((current, b), out var longer))
            {
                current = longer;
            }
            else
            {
                writer.Write(current);
                if (writer.Learn() is var learned and >= 0)
                {
                    table[(current, b)] = learned;
                }

                if (clearWhenFull && writer.Next >= TableSize - 1)
                {
                    writer.Write(ClearTable);
                    table.Clear();
                }

                current = b;
            }
        }

        if (current >= 0)
        {
            writer.Write(current);
            writer.Learn();
        }

        writer.Write(EndOfData);
        return writer.ToArray();
    }

    /// <summary>
    /// <paramref name="count"/> copies of <paramref name="value"/> in few codes, as a decompression bomb packs them: after
    /// each clear, every code is the one the table is about to learn, one byte longer than the last, so about
    /// 3,800 codes stand for 7.4 MB.
    /// </summary>
    public static byte[] Run(byte value, long count)
    {
        var writer = new CodeWriter(earlyChange: true);
        while (count > 0)
        {
            writer.Write(ClearTable);
            writer.Write(value);
            writer.Learn();
            count--;
            var length = 1;
            while (count > 0 && writer.Next < TableSize)
            {
                // The encoder's table holds value repeated 1 to length + 1 times (the decoder's, up to length times,
                // and the longest is the code it is about to learn); the last code may take a shorter run to end exactly.
                var take = (int)Math.Min(count, length + 1);
                writer.Write(take == 1 ? value : 256 + take);
                writer.Learn();
                count -= take;
                length = take;
            }
        }

        writer.Write(EndOfData);
        return writer.ToArray();
    }

    // Tracks the decoder's table size to know the code width. The decoder learns an entry one code after the
    // encoder, which is why the width grows when the encoder's table reaches 512 (or 513 without EarlyChange).
    private sealed class CodeWriter(bool earlyChange)
    {
        private readonly List<byte> _bytes = [];
        private ulong _bits;
        private int _pending;
        private int _width = 9;

        public int Next { get; private set; } = 258;

        public void Write(int code)
        {
            _bits = (_bits << _width) | (uint)code;
            _pending += _width;
            while (_pending >= 8)
            {
                _pending -= 8;
                _bytes.Add((byte)(_bits >> _pending));
            }

            _bits &= (1UL << _pending) - 1;
            if (code == ClearTable)
            {
                (Next, _width) = (258, 9);
            }
        }

        // The code the encoder's table gives its new entry, or -1 once the table is full.
        public int Learn()
        {
            if (Next >= TableSize)
            {
                return -1;
            }

            var learned = Next++;
            if (_width < 12 && Next + (earlyChange ? 1 : 0) - 1 >= 1 << _width)
            {
                _width++;
            }

            return learned;
        }

        public byte[] ToArray()
        {
            var bytes = new List<byte>(_bytes);
            if (_pending > 0)
            {
                bytes.Add((byte)(_bits << (8 - _pending)));
            }

            return [.. bytes];
        }
    }
}
