using System.Globalization;
using System.Text;

namespace Labeling.Application.Ingestion;

/// <summary>
/// Unicode Normalization Form C from embedded character data, so content hashes are the same on
/// every machine.
/// </summary>
/// <remarks>
/// <see cref="string.Normalize()"/> cannot be used: the solution runs with
/// <c>InvariantGlobalization</c>, where it silently returns non-ASCII text unchanged, and with ICU
/// its result would depend on the ICU version installed. The algorithm is UAX #15: full canonical
/// decomposition (Hangul arithmetically), canonical ordering of combining marks by combining class,
/// then canonical composition of each mark with the last starter unless a mark in between blocks it.
/// Unpaired surrogates are passed through unchanged.
/// </remarks>
internal static partial class UnicodeNfc
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly Lazy<Tables> Data = new(Tables.Parse);

    public static string Normalize(string text)
    {
        // Everything below U+0300 is its own NFC and a starter (checked when the data was generated).
        if (!text.AsSpan().ContainsAnyExceptInRange('\0', '\u02FF'))
        {
            return text;
        }

        var tables = Data.Value;
        var codePoints = Decompose(text, tables);
        Reorder(codePoints, tables);
        Compose(codePoints, tables);

        var builder = new StringBuilder(text.Length);
        foreach (var cp in codePoints)
        {
            if (cp <= 0xFFFF)
            {
                builder.Append((char)cp);
            }
            else
            {
                builder.Append(char.ConvertFromUtf32(cp));
            }
        }

        return builder.ToString();
    }

    private static List<int> Decompose(string text, Tables tables)
    {
        var codePoints = new List<int>(text.Length + 8);
        for (var i = 0; i < text.Length; i++)
        {
            int cp = text[i];
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                cp = char.ConvertToUtf32(text[i], text[i + 1]);
                i++;
            }

            var sIndex = cp - SBase;
            if (sIndex is >= 0 and < SCount)
            {
                codePoints.Add(LBase + (sIndex / NCount));
                codePoints.Add(VBase + (sIndex % NCount / TCount));
                if (sIndex % TCount != 0)
                {
                    codePoints.Add(TBase + (sIndex % TCount));
                }
            }
            else if (tables.Decompositions.TryGetValue(cp, out var full))
            {
                codePoints.AddRange(full);
            }
            else
            {
                codePoints.Add(cp);
            }
        }

        return codePoints;
    }

    // Insertion sort is stable, which canonical ordering requires, and runs of marks are short.
    private static void Reorder(List<int> codePoints, Tables tables)
    {
        for (var i = 1; i < codePoints.Count; i++)
        {
            for (var j = i; j > 0; j--)
            {
                var ccc = tables.CombiningClass(codePoints[j]);
                if (ccc == 0 || tables.CombiningClass(codePoints[j - 1]) <= ccc)
                {
                    break;
                }

                (codePoints[j - 1], codePoints[j]) = (codePoints[j], codePoints[j - 1]);
            }
        }
    }

    private static void Compose(List<int> codePoints, Tables tables)
    {
        var output = 0;
        var starter = -1;
        var lastClass = 0;
        for (var i = 0; i < codePoints.Count; i++)
        {
            // Written in place: output never passes i.
            var cp = codePoints[i];
            var ccc = tables.CombiningClass(cp);
            // In canonical order, only the last kept mark can block cp from the starter.
            var adjacent = starter >= 0 && output - 1 == starter;
            var blocked = !adjacent && (lastClass == 0 || lastClass >= ccc);
            if (starter >= 0 && !blocked && TryCompose(codePoints[starter], cp, tables, out var composite))
            {
                codePoints[starter] = composite;
                continue;
            }

            if (ccc == 0)
            {
                starter = output;
            }

            lastClass = ccc;
            codePoints[output++] = cp;
        }

        codePoints.RemoveRange(output, codePoints.Count - output);
    }

    private static bool TryCompose(int first, int second, Tables tables, out int composite)
    {
        var lIndex = first - LBase;
        var vIndex = second - VBase;
        if (lIndex is >= 0 and < LCount && vIndex is >= 0 and < VCount)
        {
            composite = SBase + (((lIndex * VCount) + vIndex) * TCount);
            return true;
        }

        var sIndex = first - SBase;
        var tIndex = second - TBase;
        if (sIndex is >= 0 and < SCount && sIndex % TCount == 0 && tIndex is > 0 and < TCount)
        {
            composite = first + tIndex;
            return true;
        }

        return tables.Compositions.TryGetValue(((long)first << 21) | (uint)second, out composite);
    }

    private sealed class Tables
    {
        public required Dictionary<int, int[]> Decompositions { get; init; }

        public required Dictionary<int, byte> CombiningClasses { get; init; }

        public required Dictionary<long, int> Compositions { get; init; }

        public static Tables Parse()
        {
            var decompositions = new Dictionary<int, int[]>();
            foreach (var (key, value) in Entries(UnicodeNfc.Decompositions))
            {
                decompositions[Hex(key)] = value.Split(' ').Select(Hex).ToArray();
            }

            var classes = new Dictionary<int, byte>();
            foreach (var (key, value) in Entries(UnicodeNfc.CombiningClasses))
            {
                var range = key.Split('-');
                var last = Hex(range[^1]);
                for (var cp = Hex(range[0]); cp <= last; cp++)
                {
                    classes[cp] = byte.Parse(value, CultureInfo.InvariantCulture);
                }
            }

            var compositions = new Dictionary<long, int>();
            foreach (var (key, value) in Entries(UnicodeNfc.Compositions))
            {
                var pair = key.Split(' ');
                compositions[((long)Hex(pair[0]) << 21) | (uint)Hex(pair[1])] = Hex(value);
            }

            return new Tables { Decompositions = decompositions, CombiningClasses = classes, Compositions = compositions };
        }

        public int CombiningClass(int cp) => CombiningClasses.TryGetValue(cp, out var ccc) ? ccc : 0;

        private static IEnumerable<(string Key, string Value)> Entries(string table) =>
            table.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(e =>
            {
                var colon = e.IndexOf(':', StringComparison.Ordinal);
                return (e[..colon], e[(colon + 1)..]);
            });

        private static int Hex(string s) => int.Parse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }
}
