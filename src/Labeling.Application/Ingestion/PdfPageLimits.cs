using System.Globalization;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Filters;
using UglyToad.PdfPig.Outline.Destinations;
using UglyToad.PdfPig.Parser;
using UglyToad.PdfPig.Parser.Parts;
using UglyToad.PdfPig.Tokenization.Scanner;
using UglyToad.PdfPig.Tokens;

namespace Labeling.Application.Ingestion;

/// <summary>
/// Refuses a PDF page, from its raw objects and before PdfPig loads it, when what PdfPig would build for it is out of
/// proportion: more than <see cref="MaxCharacters"/> characters of text, or more than <see cref="MaxContentBytes"/>
/// bytes of content streams, a form XObject counted each time it is drawn.
/// </summary>
/// <remarks>
/// <para>Loading a page builds an object for every letter and path it draws, all held until the page is done with:
/// about 320 bytes of memory a letter and 50 for each byte of path operators. A 4.5 KB file whose one page showed one
/// string of 4,000,000 characters took 1.3 GB and 18 s, and the unpack limit (100,000,000 bytes a stream) would let it
/// reach about 33 GB; a form of 10,000 characters drawn 100 times became 1,000,000 letters. Ingestion:ParseTimeout
/// is checked only between pages, so it cannot stop one.</para>
/// <para>Each content stream of the page is decoded (through the document's <see cref="UnpackBudget"/>) and scanned by
/// <see cref="PdfContentScan"/>; each <c>Do</c> of a form XObject adds the form's content again, with what it draws in
/// turn, as PdfPig repeats it. A form drawn inside itself is not counted again: PdfPig skips it too. A stream's scan is
/// kept for the document, so a form shared by every page is decoded once here.</para>
/// <para>Use: <c>pdf.AddPageFactory&lt;PdfPageLimits.Measured, PdfPageLimits&gt;()</c>, then
/// <c>pdf.GetPage&lt;PdfPageLimits.Measured&gt;(n)</c> before <c>pdf.GetPage(n)</c>.</para>
/// </remarks>
internal sealed class PdfPageLimits : IPageFactory<PdfPageLimits.Measured>
{
    /// <summary>
    /// Most characters one page may show, 500,000: bytes of string operands, and each drawing of a form counted. A dense
    /// page of small print shows 5,000 to 15,000, a large-format sheet (a poster, a whole table on one page) a few tens
    /// of thousands. At this limit a page costs PdfPig about 160 MB and 2 s.
    /// </summary>
    public const long MaxCharacters = 500_000;

    /// <summary>
    /// Most bytes of content streams one page may draw, 4,000,000, each drawing of a form counted. Text pages have a few
    /// kilobytes to a few hundred; a page of detailed charts about a megabyte. At this limit a page of path operators
    /// costs PdfPig about 200 MB and 1 s; only the heaviest vector drawings (a detailed map) pass it.
    /// </summary>
    public const long MaxContentBytes = 4_000_000;

    /// <summary>Deepest nesting of forms drawing forms, <see cref="PdfNesting.MaxDepth"/>; real documents nest a few.</summary>
    public const int MaxFormDepth = PdfNesting.MaxDepth;

    private readonly IPdfTokenScanner _scanner;
    private readonly ILookupFilterProvider _filters;
    private readonly Dictionary<IndirectReference, (long Bytes, long Characters, List<string> Drawn)> _forms = [];

    /// <summary>The constructor PdfPig's <c>AddPageFactory</c> calls, with the document's own scanner and filters.</summary>
    public PdfPageLimits(IPdfTokenScanner scanner, IResourceStore resources, ILookupFilterProvider filters, IPageContentParser parser, ParsingOptions options)
    {
        _scanner = scanner;
        _filters = filters;
    }

    /// <summary>What one page draws, counted; within the limits, or <see cref="Create"/> would have thrown.</summary>
    public sealed record Measured(long ContentBytes, long Characters);

    /// <inheritdoc />
    /// <exception cref="DocumentRejectedException">The page is over a limit.</exception>
    public Measured Create(int number, DictionaryToken dictionary, PageTreeMembers pageTreeMembers, NamedDestinations namedDestinations)
    {
        // PdfPig queues the resources from the root down to the page; a name is looked up from the page up.
        var resources = pageTreeMembers.ParentResources.Reverse().ToArray();
        var page = new Page(number);
        foreach (var stream in ContentStreams(dictionary))
        {
            var content = stream.Decode(_filters, _scanner);
            var drawn = new List<string>();
            var characters = PdfContentScan.Scan(content.Span, drawn);
            Draw(page, content.Length, characters, drawn, resources, [], depth: 0);
        }

        return new Measured(page.Bytes, page.Characters);
    }

    private void Draw(Page page, long bytes, long characters, List<string> drawn, DictionaryToken[] resources, HashSet<IndirectReference> drawing, int depth)
    {
        page.Add(bytes, characters);
        foreach (var name in drawn)
        {
            if (!TryFindForm(name, resources, out var reference, out var form) || !drawing.Add(reference))
            {
                continue;
            }

            if (depth == MaxFormDepth)
            {
                throw new DocumentRejectedException(
                    string.Create(CultureInfo.InvariantCulture, $"Page {page.Number} of the PDF draws forms inside forms more than {MaxFormDepth} levels deep; real documents nest a few. ")
                    + "The file is damaged or built to exhaust memory. Print it to a new PDF and upload that.");
            }

            var (formBytes, formCharacters, formDrawn) = Scan(reference, form);
            var inner = form.StreamDictionary.TryGet(NameToken.Resources, _scanner, out DictionaryToken? own) ? [own!, .. resources] : resources;
            Draw(page, formBytes, formCharacters, formDrawn, inner, drawing, depth + 1);
            drawing.Remove(reference);
        }
    }

    private (long Bytes, long Characters, List<string> Drawn) Scan(IndirectReference reference, StreamToken form)
    {
        if (!_forms.TryGetValue(reference, out var scan))
        {
            var content = form.Decode(_filters, _scanner);
            var drawn = new List<string>();
            scan = (content.Length, PdfContentScan.Scan(content.Span, drawn), drawn);
            _forms[reference] = scan;
        }

        return scan;
    }

    private bool TryFindForm(string name, DictionaryToken[] resources, out IndirectReference reference, out StreamToken form)
    {
        var key = NameToken.Create(name);
        foreach (var dictionary in resources)
        {
            if (dictionary.TryGet(NameToken.Xobject, _scanner, out DictionaryToken? xObjects) && xObjects!.Data.TryGetValue(key.Data, out var entry))
            {
                // A stream is always an indirect object, so a form is told apart from any other by its reference.
                if (entry is IndirectReferenceToken indirect && DirectObjectFinder.TryGet(entry, _scanner, out StreamToken? stream)
                    && stream!.StreamDictionary.TryGet(NameToken.Subtype, _scanner, out NameToken? subtype) && subtype == NameToken.Form)
                {
                    (reference, form) = (indirect.Data, stream);
                    return true;
                }

                break;
            }
        }

        (reference, form) = (default, null!);
        return false;
    }

    // The page's Contents: one stream or an array of them; anything else draws nothing, as in PdfPig.
    private IEnumerable<StreamToken> ContentStreams(DictionaryToken page)
    {
        if (!page.TryGet(NameToken.Contents, out var contents))
        {
            yield break;
        }

        if (DirectObjectFinder.TryGet(contents, _scanner, out StreamToken? single))
        {
            yield return single!;
        }
        else if (DirectObjectFinder.TryGet(contents, _scanner, out ArrayToken? array))
        {
            foreach (var item in array!.Data)
            {
                if (DirectObjectFinder.TryGet(item, _scanner, out StreamToken? stream))
                {
                    yield return stream!;
                }
            }
        }
    }

    private sealed class Page(int number)
    {
        public int Number => number;

        public long Bytes { get; private set; }

        public long Characters { get; private set; }

        public void Add(long bytes, long characters)
        {
            Bytes += bytes;
            Characters += characters;
            if (Characters > MaxCharacters)
            {
                throw new DocumentRejectedException(
                    string.Create(CultureInfo.InvariantCulture, $"Page {Number} of the PDF shows more than {MaxCharacters.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} characters of text (a form counted each time it is drawn); ")
                    + "the densest real pages show a few tens of thousands. The file is damaged or built to exhaust memory. "
                    + "Split the page, or print the document to a new PDF and upload that.");
            }

            if (Bytes > MaxContentBytes)
            {
                throw new DocumentRejectedException(
                    string.Create(CultureInfo.InvariantCulture, $"Page {Number} of the PDF draws more than {MaxContentBytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} bytes of content (a form counted each time it is drawn); ")
                    + "text pages draw a few hundred kilobytes at most. The page is too complex to read safely, or built to exhaust memory. "
                    + "Split the page or simplify its drawings, and upload it again.");
            }
        }
    }
}
