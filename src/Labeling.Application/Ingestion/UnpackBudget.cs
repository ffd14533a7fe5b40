using System.Globalization;
using UglyToad.PdfPig.Filters;
using UglyToad.PdfPig.Tokens;

namespace Labeling.Application.Ingestion;

/// <summary>
/// PdfPig's stream filters with a limit on what one document may unpack to, so a small PDF whose streams
/// decode to gigabytes (a decompression bomb) is rejected instead of exhausting memory.
/// </summary>
/// <remarks>
/// <para>No single stream may decode to more than <see cref="IngestionOptions.MaxUnpackedCharacters"/> bytes,
/// and all decoding for the document together to no more than ten times that (fonts and images are decoded
/// too, and a long document decodes many streams).</para>
/// <para>No filter runs past the per-stream limit. <c>LZWDecode</c> and <c>RunLengthDecode</c> are decoded here,
/// by <see cref="LzwDecoder"/> and <see cref="RunLengthDecoder"/>, which stop at the limit: PdfPig's own decoders
/// run to the end, and a 1.1 MB LZW stream decoded to 1.5 GB. Every other filter is left to PdfPig once
/// <see cref="FilterOutputBound"/> has shown that what it will produce is within the limit, which for
/// <c>FlateDecode</c> means inflating it once into a scratch buffer only to count. What a filter produced is
/// then counted against both limits.</para>
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
            throw StreamTooLarge();
        }

        if (_spent + length > _total)
        {
            throw new DocumentRejectedException(
                string.Create(CultureInfo.InvariantCulture, $"The PDF's streams unpack to more than {_total:N0} bytes in all (ten times Ingestion:MaxUnpackedCharacters). ")
                + "Split the document, or raise the limit if the file is genuine.");
        }
    }

    private DocumentRejectedException StreamTooLarge() => new(
        string.Create(CultureInfo.InvariantCulture, $"A stream in the PDF unpacks to more than {_perStream:N0} bytes (Ingestion:MaxUnpackedCharacters). ")
        + "Split the document, or raise the limit if the file is genuine.");

    private Memory<byte> Decode(IFilter filter, Memory<byte> input, DictionaryToken stream, IFilterProvider provider, int index)
    {
        Memory<byte> output;
        switch (filter)
        {
            case LzwFilter:
                // The same parameters PdfPig's own filters read, from the same resolver.
                var parameters = DecodeParameterResolver.GetFilterParameters(stream, index);
                var earlyChange = StreamPredictor.Parameters.Int(parameters, NameToken.EarlyChange, 1) != 0;
                if (!LzwDecoder.TryDecode(input.Span, earlyChange, _perStream, out output)
                    || !StreamPredictor.TryUndo(output, StreamPredictor.Parameters.Read(parameters), _perStream, out output))
                {
                    throw StreamTooLarge();
                }

                return output;
            case RunLengthFilter:
                return RunLengthDecoder.TryDecode(input.Span, _perStream, out output) ? output : throw StreamTooLarge();
            default:
                Check(FilterOutputBound.Of(filter, input, stream, index, _perStream));
                return filter.Decode(input, stream, provider, index);
        }
    }

    private sealed class Counted(IFilter inner, UnpackBudget budget, bool last) : IFilter
    {
        public bool IsSupported => inner.IsSupported;

        public Memory<byte> Decode(Memory<byte> input, DictionaryToken streamDictionary, IFilterProvider filterProvider, int filterIndex)
        {
            var output = budget.Decode(inner, input, streamDictionary, filterProvider, filterIndex);
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
