using System.IO.Compression;
using System.Runtime.InteropServices;
using UglyToad.PdfPig.Filters;
using UglyToad.PdfPig.Tokens;

namespace Labeling.Application.Ingestion;

/// <summary>
/// PdfPig's stream filters with a limit on what one document may unpack to, so a small PDF whose streams
/// inflate to gigabytes (a decompression bomb) is rejected instead of exhausting memory.
/// </summary>
/// <remarks>
/// <para>No single stream may decode to more than <see cref="IngestionOptions.MaxUnpackedCharacters"/> bytes,
/// and all decoding for the document together to no more than ten times that (fonts and images are decoded
/// too, and a long document decodes many streams). A <c>FlateDecode</c> stream, the usual bomb, is first
/// inflated into a small scratch buffer only to count its length, so an oversized one is refused before
/// anything is allocated for it; every other filter's output is counted after it decodes.</para>
/// <para>What the last filter of a stream decodes to is also checked by <see cref="PdfNesting"/>, unless the
/// stream is an image or an embedded font (binary data, not PDF syntax): a compressed stream hides its nesting
/// from the scan of the file.</para>
/// <para>One instance per document: it counts.</para>
/// </remarks>
internal sealed class UnpackBudget : IFilterProvider
{
    private const int TotalFactor = 10;
    private readonly IFilterProvider _inner = DefaultFilterProvider.Instance;
    private readonly long _perStream;
    private readonly long _total;
    private long _spent;

    public UnpackBudget(long perStream)
    {
        _perStream = perStream;
        _total = perStream > long.MaxValue / TotalFactor ? long.MaxValue : perStream * TotalFactor;
    }

    public IReadOnlyList<IFilter> GetFilters(DictionaryToken dictionary) => Wrap(_inner.GetFilters(dictionary));

    public IReadOnlyList<IFilter> GetNamedFilters(IReadOnlyList<NameToken> names) => Wrap(_inner.GetNamedFilters(names));

    public IReadOnlyList<IFilter> GetAllFilters() => Wrap(_inner.GetAllFilters());

    private IReadOnlyList<IFilter> Wrap(IReadOnlyList<IFilter> filters) =>
        filters.Select((f, i) => (IFilter)new Counted(f, this, last: i == filters.Count - 1)).ToArray();

    private static bool HoldsSyntax(DictionaryToken stream) =>
        !(stream.TryGet(NameToken.Subtype, out NameToken subtype) && subtype.Data is "Image" or "Type1C" or "CIDFontType0C" or "OpenType")
        && !stream.ContainsKey(NameToken.Length1);

    private void Check(long length)
    {
        if (length > _perStream)
        {
            throw new DocumentRejectedException(
                $"A stream in the PDF unpacks to more than {_perStream:N0} bytes (Ingestion:MaxUnpackedCharacters). "
                + "Split the document, or raise the limit if the file is genuine.");
        }

        if (_spent + length > _total)
        {
            throw new DocumentRejectedException(
                $"The PDF's streams unpack to more than {_total:N0} bytes in all (ten times Ingestion:MaxUnpackedCharacters). "
                + "Split the document, or raise the limit if the file is genuine.");
        }
    }

    // The inflated length of a zlib (or raw deflate) stream, counted up to one byte past the per-stream
    // limit without keeping the output; a stream that is not valid deflate counts what inflated before the
    // error and is left to PdfPig's own, more lenient, decoder.
    private long InflatedLength(ReadOnlyMemory<byte> input)
    {
        var span = input.Span;
        var start = span.Length >= 2 && (span[0] & 0x0F) == 8 && ((span[0] << 8) | span[1]) % 31 == 0 ? 2 : 0;
        var compressed = MemoryMarshal.TryGetArray(input, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset + start, segment.Count - start, writable: false)
            : new MemoryStream(input[start..].ToArray(), writable: false);
        using var inflate = new DeflateStream(compressed, CompressionMode.Decompress);
        var scratch = new byte[81920];
        long length = 0;
        try
        {
            int read;
            while (length <= _perStream && (read = inflate.Read(scratch, 0, scratch.Length)) > 0)
            {
                length += read;
            }
        }
        catch (InvalidDataException)
        {
        }

        return length;
    }

    private sealed class Counted(IFilter inner, UnpackBudget budget, bool last) : IFilter
    {
        public bool IsSupported => inner.IsSupported;

        public Memory<byte> Decode(Memory<byte> input, DictionaryToken streamDictionary, IFilterProvider filterProvider, int filterIndex)
        {
            if (inner is FlateFilter)
            {
                budget.Check(budget.InflatedLength(input));
            }

            var output = inner.Decode(input, streamDictionary, filterProvider, filterIndex);
            budget.Check(output.Length);
            Interlocked.Add(ref budget._spent, output.Length);
            if (last && HoldsSyntax(streamDictionary))
            {
                PdfNesting.EnsureShallowStream(output.Span);
            }

            return output;
        }
    }
}
