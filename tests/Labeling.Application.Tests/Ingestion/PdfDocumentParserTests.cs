using System.Globalization;
using System.IO.Compression;
using System.Text;
using Labeling.Application.Ingestion;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;
using static Labeling.Application.Tests.Ingestion.ParserTestKit;

namespace Labeling.Application.Tests.Ingestion;

public sealed class PdfDocumentParserTests
{
    private readonly PdfDocumentParser _parser = new();

    [Fact]
    public async Task ParseAsync_TwoPages_TextOfEachPageWithPageNumber()
    {
        var pdf = BuildPdf(["Hello from page one.", "Second page text."]);

        var items = await ParseAsync(_parser, "report.pdf", pdf);

        Assert.Equal(["Hello from page one.", "Second page text."], Texts(items));
        Assert.Equal(["1", "2"], items.Select(i => i.Metadata["page"]));
        Assert.Equal(["chunk-1", "chunk-2"], items.Select(i => i.SourceId));
    }

    [Fact]
    public async Task ParseAsync_TwoParagraphsOnAPage_OneItemEach()
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        var page = builder.AddPage(PageSize.A4);
        page.AddText("The first paragraph starts here", 12, new PdfPoint(50, 700), font);
        page.AddText("and goes on to a second line.", 12, new PdfPoint(50, 686), font);
        page.AddText("A second paragraph, well below.", 12, new PdfPoint(50, 600), font);

        var items = await ParseAsync(_parser, "memo.pdf", builder.Build());

        Assert.Equal(["The first paragraph starts here and goes on to a second line.", "A second paragraph, well below."], Texts(items));
    }

    [Fact]
    public async Task ParseAsync_PageWithoutText_RejectedAsScanned()
    {
        var pdf = BuildPdf([null]);

        var rejected = await RejectAsync(_parser, "scan.pdf", pdf);

        Assert.Equal("The PDF has 1 page(s) but no text layer; it is probably scanned. Run OCR on it and upload it again.", rejected.Reason);
    }

    [Fact]
    public async Task ParseAsync_TruncatedPdf_Rejected()
    {
        var pdf = BuildPdf(["Some text."]);

        var rejected = await RejectAsync(_parser, "cut.pdf", pdf[..(pdf.Length / 3)]);

        Assert.Equal("cut.pdf", rejected.FileName);
        Assert.False(string.IsNullOrWhiteSpace(rejected.Reason));
    }

    [Fact]
    public async Task ParseAsync_NotAPdf_RejectedAsUnreadable()
    {
        var rejected = await RejectAsync(_parser, "fake.pdf", "just some words, no PDF here");

        Assert.StartsWith("The file is not a readable PDF", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParseAsync_StreamThatInflatesPastTheLimit_RejectedNamingTheSetting()
    {
        // One page whose 2,000,000-byte content stream deflates to a few kilobytes, as in a decompression bomb.
        var pdf = DeflatedPdf(pages: 1, contentBytes: 2_000_000);
        Assert.True(pdf.Length < 20_000, $"the PDF is {pdf.Length} bytes");

        var rejected = await RejectAsync(_parser, "bomb.pdf", pdf, Options(o => o.MaxUnpackedCharacters = 1_000_000));

        Assert.Equal(
            "A stream in the PDF unpacks to more than 1,000,000 bytes (Ingestion:MaxUnpackedCharacters). Split the document, or raise the limit if the file is genuine.",
            rejected.Reason);
    }

    [Fact]
    public async Task ParseAsync_StreamsThatTogetherInflatePastTenTimesTheLimit_Rejected()
    {
        var pdf = DeflatedPdf(pages: 12, contentBytes: 95_000);

        var rejected = await RejectAsync(_parser, "many.pdf", pdf, Options(o => o.MaxUnpackedCharacters = 100_000));

        Assert.StartsWith("The PDF's streams unpack to more than 1,000,000 bytes in all", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParseAsync_DeflatedStreamsWithinTheLimit_AreRead()
    {
        var pdf = DeflatedPdf(pages: 3, contentBytes: 95_000);

        var items = await ParseAsync(_parser, "fine.pdf", pdf, Options(o => o.MaxUnpackedCharacters = 100_000));

        Assert.Equal(["Page 1", "Page 2", "Page 3"], Texts(items));
    }

    [Fact]
    public async Task ParseAsync_LzwStreamThatDecodesTo300MillionBytes_RejectedWithoutDecodingIt()
    {
        // About 220 KB of LZW codes for 300,000,000 spaces, at the default limit of 100,000,000 bytes a stream.
        var pdf = FilteredPdf(LzwEncoder.Run((byte)' ', 300_000_000), "/Filter /LZWDecode");
        Assert.True(pdf.Length < 300_000, $"the PDF is {pdf.Length} bytes");

        var before = GC.GetAllocatedBytesForCurrentThread();
        var parse = RejectAsync(_parser, "lzw-bomb.pdf", pdf);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Nothing in the parse waits on input held in memory, so it ran to the end on this thread, where it was counted.
        Assert.True(parse.IsCompleted);
        var rejected = await parse;
        Assert.Equal(
            "A stream in the PDF unpacks to more than 100,000,000 bytes (Ingestion:MaxUnpackedCharacters). Split the document, or raise the limit if the file is genuine.",
            rejected.Reason);
        Assert.True(allocated < 20_000_000, $"refusing the PDF allocated {allocated:N0} bytes");
    }

    [Fact]
    public async Task ParseAsync_RunLengthStreamThatDecodesPastTheLimit_RejectedWithoutDecodingIt()
    {
        var pdf = FilteredPdf(RunLengthEncoder.Bomb((byte)' ', runs: 100_000), "/Filter /RunLengthDecode");

        var before = GC.GetAllocatedBytesForCurrentThread();
        var parse = RejectAsync(_parser, "rl-bomb.pdf", pdf, Options(o => o.MaxUnpackedCharacters = 1_000_000));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(parse.IsCompleted);
        var rejected = await parse;
        Assert.Equal(
            "A stream in the PDF unpacks to more than 1,000,000 bytes (Ingestion:MaxUnpackedCharacters). Split the document, or raise the limit if the file is genuine.",
            rejected.Reason);
        Assert.True(allocated < 5_000_000, $"refusing the PDF's 12,800,000 bytes of runs allocated {allocated:N0} bytes");
    }

    [Theory]
    [InlineData("/Filter /LZWDecode")]
    [InlineData("/Filter /LZWDecode /DecodeParms << /EarlyChange 0 >>")]
    [InlineData("/Filter /LZWDecode /DecodeParms << /Predictor 2 /Columns 7 >>")]
    [InlineData("/Filter /RunLengthDecode")]
    [InlineData("/Filter [/ASCIIHexDecode /LZWDecode]")]
    public async Task ParseAsync_ContentStreamUnderEachFilterWithinTheLimit_IsRead(string filter)
    {
        var content = Encoding.ASCII.GetBytes("BT /F1 12 Tf 72 712 Td (Filtered text) Tj ET\n".PadRight(50_000));
        var encoded = filter switch
        {
            _ when filter.Contains("Predictor", StringComparison.Ordinal) => LzwEncoder.Encode(TiffDifferences(content, columns: 7)),
            _ when filter.Contains("EarlyChange 0", StringComparison.Ordinal) => LzwEncoder.Encode(content, earlyChange: false),
            _ when filter.Contains("ASCIIHex", StringComparison.Ordinal) => Encoding.ASCII.GetBytes(Convert.ToHexString(LzwEncoder.Encode(content)) + ">"),
            _ when filter.Contains("LZW", StringComparison.Ordinal) => LzwEncoder.Encode(content),
            _ => RunLengthEncoder.Encode(content),
        };

        var items = await ParseAsync(_parser, "filtered.pdf", FilteredPdf(encoded, filter), Options(o => o.MaxUnpackedCharacters = 100_000));

        Assert.Equal(["Filtered text"], Texts(items));
    }

    [Fact]
    public async Task ParseAsync_PageShowingTwoMillionCharacters_RejectedBeforeThePageIsLoaded()
    {
        // One string of 2,000,000 characters deflates to about 2 KB. Loading the page built a letter object for each:
        // about 900 MB allocated and 8 s, with Ingestion:ParseTimeout checked only after the page.
        var pdf = FilteredPdf(Deflate($"BT /F1 12 Tf 72 712 Td ({new string('x', 2_000_000)}) Tj ET"), "/Filter /FlateDecode");
        Assert.True(pdf.Length < 10_000, $"the PDF is {pdf.Length} bytes");

        var (rejected, allocated, elapsed) = await MeasureRejection("glyphs.pdf", pdf);

        Assert.Equal(
            "Page 1 of the PDF shows more than 500,000 characters of text (a form counted each time it is drawn); the densest real pages show a few tens of thousands. "
            + "The file is damaged or built to exhaust memory. Split the page, or print the document to a new PDF and upload that.",
            rejected.Reason);
        Assert.True(allocated < 50_000_000, $"refusing the PDF allocated {allocated:N0} bytes");
        Assert.True(elapsed < TimeSpan.FromSeconds(5), $"refusing the PDF took {elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task ParseAsync_PageOverTheLimitsOnAServerInAnotherCulture_ReasonsWriteTheLimitsAsEverywhere()
    {
        // The reason is recorded, answered and written beside the file: the same on every server, not "500.000" in Germany.
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
        try
        {
            var text = await RejectAsync(_parser, "glyphs.pdf", FilteredPdf(Deflate($"BT /F1 12 Tf 72 712 Td ({new string('x', 600_000)}) Tj ET"), "/Filter /FlateDecode"));
            var paths = await RejectAsync(_parser, "paths.pdf", FilteredPdf(Deflate(Repeat("0 0 m h ", 600_000)), "/Filter /FlateDecode"));

            Assert.Contains("more than 500,000 characters", text.Reason, StringComparison.Ordinal);
            Assert.Contains("more than 4,000,000 bytes", paths.Reason, StringComparison.Ordinal);
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    [Fact]
    public async Task ParseAsync_FormDrawnOverAndOverThroughAnotherForm_RejectedCountingEachDrawing()
    {
        // The page draws form A 20 times, A draws form B 10 times, and B shows 10,000 characters: 2,000,000 letters
        // from 10,000 bytes of text, which PdfPig built all of (about 900 MB).
        var pdf = FormsPdf(page: Repeat("/A Do\n", 20), a: Repeat("/B Do\n", 10), b: $"BT /F1 12 Tf 72 712 Td ({new string('x', 10_000)}) Tj ET");

        var (rejected, allocated, elapsed) = await MeasureRejection("forms.pdf", pdf);

        Assert.StartsWith("Page 1 of the PDF shows more than 500,000 characters of text (a form counted each time it is drawn)", rejected.Reason, StringComparison.Ordinal);
        Assert.True(allocated < 20_000_000, $"refusing the PDF allocated {allocated:N0} bytes");
        Assert.True(elapsed < TimeSpan.FromSeconds(5), $"refusing the PDF took {elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task ParseAsync_PageOfEightMegabytesOfPathOperators_RejectedBeforeThePageIsLoaded()
    {
        // No text at all: 1,000,000 subpaths, each an object in PdfPig (about 400 MB held for the page).
        var pdf = FilteredPdf(Deflate(Repeat("0 0 m h ", 1_000_000)), "/Filter /FlateDecode");

        var (rejected, allocated, elapsed) = await MeasureRejection("paths.pdf", pdf);

        Assert.StartsWith("Page 1 of the PDF draws more than 4,000,000 bytes of content", rejected.Reason, StringComparison.Ordinal);
        Assert.True(allocated < 50_000_000, $"refusing the PDF allocated {allocated:N0} bytes");
        // Scanning the 8 MB of operators took 2.3 to 3.0 s beside another test run on two cores, too close to the 5 s the
        // other refusals get (they take a tenth of a second). Loading the page, which this refusal avoids, is the 400 MB
        // the allocation bound catches; the time bound is there for a scan gone slow.
        Assert.True(elapsed < TimeSpan.FromSeconds(20), $"refusing the PDF took {elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task ParseAsync_PageJustUnderTheCharacterLimit_IsRead()
    {
        // 5,000 lines of 98 characters (490,000 shown, 450,000 of them letters), each line its own Tj: a page far denser
        // than any real one, but under the limit.
        var line = string.Join(' ', Enumerable.Repeat("xxxxxxxxxx", 9));
        var content = new StringBuilder("BT /F1 1 Tf 1.2 TL 10 6050 Td\n");
        for (var i = 0; i < 5_000; i++)
        {
            content.Append(CultureInfo.InvariantCulture, $"({line}) Tj T*\n");
        }

        content.Append("ET");
        var pdf = FilteredPdf(Deflate(content.ToString()), "/Filter /FlateDecode", mediaBox: "[0 0 100 6100]");

        var items = await ParseAsync(_parser, "dense.pdf", pdf);

        Assert.Equal(450_000, items.Sum(i => i.Text.Count(c => c == 'x')));
    }

    [Fact]
    public async Task ParseAsync_LongBookWithAFormDrawnOnEveryPage_IsRead()
    {
        // 200 pages of 2,600 characters: the document passes the per-page limit many times over, no page comes near it.
        var pages = Enumerable.Range(1, 200).Select(p => new string((char)('a' + (p % 26)), 2_600)).ToArray();
        var pdf = BookPdf(pages, header: "BT /F1 9 Tf 72 760 Td (Running header) Tj ET");

        var items = await ParseAsync(_parser, "book.pdf", pdf);

        var text = string.Concat(items.Select(i => i.Text));
        Assert.Equal(200, items.Select(i => i.Metadata["page"]).Distinct().Count());
        Assert.Equal(200, text.Split("Running header").Length - 1);
        Assert.Equal(200 * (2_600 + "unningheader".Length), text.Count(char.IsLower));
    }

    [Fact]
    public async Task ParseAsync_FormThatDrawsItself_IsReadOnce()
    {
        // PdfPig does not draw a form again inside itself, and neither is it counted again.
        var pdf = FormsPdf(page: "/A Do", a: "BT /F1 12 Tf 72 712 Td (Looped) Tj ET /A Do", b: string.Empty);

        var items = await ParseAsync(_parser, "loop.pdf", pdf);

        Assert.Equal(["Looped"], Texts(items));
    }

    private async Task<(DocumentRejectedException Rejected, long Allocated, TimeSpan Elapsed)> MeasureRejection(string fileName, byte[] pdf)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var parse = RejectAsync(_parser, fileName, pdf);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Nothing in the parse waits on input held in memory, so it ran to the end on this thread, where it was counted.
        Assert.True(parse.IsCompleted);
        return (await parse, allocated, clock.Elapsed);
    }

    private static string Repeat(string text, int times) => new StringBuilder(text.Length * times).Insert(0, text, times).ToString();

    private static byte[] Deflate(string content)
    {
        using var packed = new MemoryStream();
        using (var zlib = new ZLibStream(packed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            zlib.Write(Encoding.ASCII.GetBytes(content));
        }

        return packed.ToArray();
    }

    private static byte[] Stream(string dictionary, byte[] data) =>
        [.. Encoding.ASCII.GetBytes($"<< {dictionary} /Length {data.Length} >>\nstream\n"), .. data, .. Encoding.ASCII.GetBytes("\nendstream")];

    // One page whose content is page, with two form XObjects: A (content a), which can draw A and B, and B (content b).
    private static byte[] FormsPdf(string page, string a, string b) => Assemble(
    [
        Encoding.ASCII.GetBytes("<< /Type /Catalog /Pages 2 0 R >>"),
        Encoding.ASCII.GetBytes("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        Encoding.ASCII.GetBytes("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> /XObject << /A 6 0 R >> >> >>"),
        Stream("/Filter /FlateDecode", Deflate(page)),
        Encoding.ASCII.GetBytes("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"),
        Stream("/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> /XObject << /A 6 0 R /B 7 0 R >> >> /Filter /FlateDecode", Deflate(a)),
        Stream("/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Filter /FlateDecode", Deflate(b)),
    ]);

    // One page for each text, each in lines of 100 characters, and each page drawing the same header form.
    private static byte[] BookPdf(IReadOnlyList<string> pages, string header)
    {
        var objects = new List<byte[]>
        {
            Encoding.ASCII.GetBytes("<< /Type /Catalog /Pages 2 0 R >>"),
            Encoding.ASCII.GetBytes($"<< /Type /Pages /Kids [{string.Join(" ", Enumerable.Range(0, pages.Count).Select(p => $"{5 + (2 * p)} 0 R"))}] /Count {pages.Count} "
                + "/Resources << /Font << /F1 3 0 R >> /XObject << /H 4 0 R >> >> >>"),
            Encoding.ASCII.GetBytes("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"),
            Stream("/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Filter /FlateDecode", Deflate(header)),
        };
        for (var p = 0; p < pages.Count; p++)
        {
            var lines = pages[p].Chunk(100).Select(chunk => $"({new string(chunk)}) Tj T*");
            objects.Add(Encoding.ASCII.GetBytes($"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {6 + (2 * p)} 0 R >>"));
            objects.Add(Stream("/Filter /FlateDecode", Deflate($"/H Do BT /F1 5 Tf 6 TL 20 740 Td {string.Join('\n', lines)} ET")));
        }

        return Assemble(objects);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ParseAsync_FunctionNested200000Deep_RejectedInsteadOfOverflowingTheStack(bool deflated)
    {
        // Without the nesting check PdfPig recurses once per procedure and the test host dies of a stack overflow.
        var pdf = Type4FunctionPdf(new string('{', 200_000) + new string('}', 200_000), deflated);

        var rejected = await RejectAsync(_parser, "nested.pdf", pdf);

        Assert.Equal("nested.pdf", rejected.FileName);
        Assert.Contains($"more than {PdfNesting.MaxDepth} levels deep", rejected.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ParseAsync_OrdinaryFunction_IsRead(bool deflated)
    {
        var pdf = Type4FunctionPdf("{ dup 0.5 gt { dup dup } { dup dup } ifelse }", deflated);

        var items = await ParseAsync(_parser, "tinted.pdf", pdf);

        Assert.Equal(["Tinted"], Texts(items));
    }

    // One page that paints in a spot colour whose tint transform is the given Type 4 (PostScript) function.
    private static byte[] Type4FunctionPdf(string program, bool deflated)
    {
        var function = Encoding.ASCII.GetBytes(program);
        if (deflated)
        {
            using var packed = new MemoryStream();
            using (var zlib = new ZLibStream(packed, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                zlib.Write(function);
            }

            function = packed.ToArray();
        }

        var content = Encoding.ASCII.GetBytes("/CS0 cs 0.5 scn BT /F1 12 Tf 72 712 Td (Tinted) Tj ET");
        return Assemble(
        [
            Encoding.ASCII.GetBytes("<< /Type /Catalog /Pages 2 0 R >>"),
            Encoding.ASCII.GetBytes("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
            Encoding.ASCII.GetBytes("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
                + "/Resources << /Font << /F1 5 0 R >> /ColorSpace << /CS0 [/Separation /Spot /DeviceRGB 6 0 R] >> >> >>"),
            [.. Encoding.ASCII.GetBytes($"<< /Length {content.Length} >>\nstream\n"), .. content, .. Encoding.ASCII.GetBytes("\nendstream")],
            Encoding.ASCII.GetBytes("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"),
            [.. Encoding.ASCII.GetBytes($"<< /FunctionType 4 /Domain [0 1] /Range [0 1 0 1 0 1] /Length {function.Length}{(deflated ? " /Filter /FlateDecode" : string.Empty)} >>\nstream\n"),
                .. function, .. Encoding.ASCII.GetBytes("\nendstream")],
        ]);
    }

    // One page whose content stream is the given bytes, with the given /Filter (and /DecodeParms) entries.
    private static byte[] FilteredPdf(byte[] stream, string filter, string mediaBox = "[0 0 612 792]") => Assemble(
    [
        Encoding.ASCII.GetBytes("<< /Type /Catalog /Pages 2 0 R >>"),
        Encoding.ASCII.GetBytes("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        Encoding.ASCII.GetBytes($"<< /Type /Page /Parent 2 0 R /MediaBox {mediaBox} /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"),
        [.. Encoding.ASCII.GetBytes($"<< /Length {stream.Length} {filter} >>\nstream\n"), .. stream, .. Encoding.ASCII.GetBytes("\nendstream")],
        Encoding.ASCII.GetBytes("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"),
    ]);

    // TIFF predictor 2 for one colour of 8 bits: each byte of a row becomes its difference from the byte before.
    private static byte[] TiffDifferences(byte[] data, int columns)
    {
        var differences = new byte[data.Length];
        for (var i = 0; i < data.Length; i++)
        {
            differences[i] = (byte)(i % columns == 0 ? data[i] : data[i] - data[i - 1]);
        }

        return differences;
    }

    // A minimal PDF written by hand: each page's content stream shows "Page N" and is padded with spaces
    // to contentBytes, then deflated (FlateDecode), so it is tiny on disk and large unpacked.
    private static byte[] DeflatedPdf(int pages, int contentBytes)
    {
        var objects = new List<byte[]>
        {
            Encoding.ASCII.GetBytes("<< /Type /Catalog /Pages 2 0 R >>"),
            Encoding.ASCII.GetBytes($"<< /Type /Pages /Kids [{string.Join(" ", Enumerable.Range(0, pages).Select(p => $"{4 + (2 * p)} 0 R"))}] /Count {pages} >>"),
            Encoding.ASCII.GetBytes("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"),
        };
        for (var p = 1; p <= pages; p++)
        {
            var content = Encoding.ASCII.GetBytes($"BT /F1 12 Tf 72 712 Td (Page {p}) Tj ET\n".PadRight(contentBytes));
            using var packed = new MemoryStream();
            using (var zlib = new ZLibStream(packed, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                zlib.Write(content);
            }

            objects.Add(Encoding.ASCII.GetBytes($"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {5 + (2 * (p - 1))} 0 R /Resources << /Font << /F1 3 0 R >> >> >>"));
            objects.Add([.. Encoding.ASCII.GetBytes($"<< /Length {packed.Length} /Filter /FlateDecode >>\nstream\n"), .. packed.ToArray(), .. Encoding.ASCII.GetBytes("\nendstream")]);
        }

        return Assemble(objects);
    }

    // Numbers the objects from 1 (the first is the catalog) and writes the cross-reference table and trailer.
    private static byte[] Assemble(List<byte[]> objects)
    {
        using var pdf = new MemoryStream();
        pdf.Write(Encoding.ASCII.GetBytes("%PDF-1.4\n"));
        var offsets = new List<long>();
        for (var i = 0; i < objects.Count; i++)
        {
            offsets.Add(pdf.Position);
            pdf.Write(Encoding.ASCII.GetBytes($"{i + 1} 0 obj\n"));
            pdf.Write(objects[i]);
            pdf.Write(Encoding.ASCII.GetBytes("\nendobj\n"));
        }

        var xref = pdf.Position;
        var table = new StringBuilder($"xref\n0 {objects.Count + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            table.Append(CultureInfo.InvariantCulture, $"{offset:D10} 00000 n \n");
        }

        table.Append(CultureInfo.InvariantCulture, $"trailer\n<< /Size {objects.Count + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        pdf.Write(Encoding.ASCII.GetBytes(table.ToString()));
        return pdf.ToArray();
    }

    internal static byte[] BuildPdf(IReadOnlyList<string?> pages)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        foreach (var text in pages)
        {
            var page = builder.AddPage(PageSize.A4);
            if (text is not null)
            {
                page.AddText(text, 12, new PdfPoint(50, 700), font);
            }
        }

        return builder.Build();
    }
}
