using System.IO.Compression;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using Labeling.Application.Ingestion;
using static Labeling.Application.Tests.Ingestion.ParserTestKit;

namespace Labeling.Application.Tests.Ingestion;

public sealed class DocxDocumentParserTests
{
    private readonly DocxDocumentParser _parser = new();

    [Fact]
    public async Task ParseAsync_ParagraphsAndTableCell_OneItemPerNonEmptyParagraph()
    {
        var docx = BuildDocx(body =>
        {
            body.Append(Para("First paragraph, ", "in two runs."));
            body.Append(Para());
            body.Append(new Table(new TableRow(new TableCell(Para("In a table cell.")))));
            body.Append(Para("Last one."));
        });

        var items = await ParseAsync(_parser, "memo.docx", docx);

        Assert.Equal(["First paragraph, in two runs.", "In a table cell.", "Last one."], Texts(items));
        Assert.Equal(["chunk-1", "chunk-2", "chunk-3"], items.Select(i => i.SourceId));
    }

    [Fact]
    public async Task ParseAsync_TabsBreaksTrackedChangesAndFields_ReadAsWordShowsThem()
    {
        var docx = BuildDocx(body =>
        {
            body.Append(new Paragraph(new Run(new Text("Tab"), new TabChar(), new Text("separated"))));
            body.Append(new Paragraph(new Run(new Text("Line"), new Break(), new Text("broken,"), new CarriageReturn(), new Text("twice"))));
            body.Append(new Paragraph(new Run(new Text("well"), new NoBreakHyphen(), new Text("known"))));
            body.Append(new Paragraph(
                new Run(new Text("Kept ") { Space = SpaceProcessingModeValues.Preserve }),
                new DeletedRun(new Run(new DeletedText("REMOVED "))),
                new InsertedRun(new Run(new Text("added"))),
                new MoveFromRun(new Run(new Text(" MOVEDAWAY")))));
            body.Append(new Paragraph(
                new Run(new Text("See ") { Space = SpaceProcessingModeValues.Preserve }),
                new Run(new FieldChar { FieldCharType = FieldCharValues.Begin }),
                new Run(new FieldCode(" HYPERLINK \"http://x.example\" ") { Space = SpaceProcessingModeValues.Preserve }),
                new Run(new FieldChar { FieldCharType = FieldCharValues.Separate }),
                new Run(new Text("the link")),
                new Run(new FieldChar { FieldCharType = FieldCharValues.End })));
        });

        var items = await ParseAsync(_parser, "edited.docx", docx);

        Assert.Equal(["Tab separated", "Line broken, twice", "well-known", "Kept added", "See the link"], Texts(items));
    }

    [Fact]
    public async Task ParseAsync_NotAZip_RejectedAsNotDocx()
    {
        var rejected = await RejectAsync(_parser, "old.docx", "{\\rtf1 this is an RTF file renamed}");

        Assert.StartsWith("The file is not a valid .docx", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParseAsync_ZipWithoutWordDocument_Rejected()
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var writer = new StreamWriter(zip.CreateEntry("readme.txt").Open());
            writer.Write("not word");
        }

        var rejected = await RejectAsync(_parser, "archive.docx", buffer.ToArray());

        Assert.Equal("archive.docx", rejected.FileName);
        Assert.Contains(".docx", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParseAsync_DocumentThatUnpacksPastTheLimit_RejectedNamingTheSetting()
    {
        // 200,000 characters of text pack into a few hundred bytes, as in a zip bomb.
        var docx = BuildDocx(body => body.Append(Para(new string('x', 200_000))));
        Assert.True(docx.Length < 10_000, $"the package is {docx.Length} bytes");

        var rejected = await RejectAsync(_parser, "bomb.docx", docx, Options(o => o.MaxUnpackedCharacters = 100_000));

        Assert.Contains("more than 100,000 characters", rejected.Reason, StringComparison.Ordinal);
        Assert.Contains("Ingestion:MaxUnpackedCharacters", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParseAsync_DocumentUnderTheLimit_IsRead()
    {
        var docx = BuildDocx(body => body.Append(Para(new string('x', 50_000))));

        var items = await ParseAsync(_parser, "long.docx", docx, Options(o => o.MaxUnpackedCharacters = 100_000));

        Assert.Equal(50_000, items.Sum(i => i.Text.Length));
    }

    [Fact]
    public async Task ParseAsync_ParagraphInATextBox_IsReadOnceAsPartOfItsOuterParagraph()
    {
        var docx = BuildDocx(body => body.Append(new Paragraph(
            new Run(new Text("Before the box. ") { Space = SpaceProcessingModeValues.Preserve }),
            new Run(new DocumentFormat.OpenXml.Wordprocessing.Picture(
                new DocumentFormat.OpenXml.Vml.Shape(new DocumentFormat.OpenXml.Vml.TextBox(new TextBoxContent(Para("Inside the box.")))))))));

        var items = await ParseAsync(_parser, "box.docx", docx);

        Assert.Equal(["Before the box. Inside the box."], Texts(items));
    }

    [Fact]
    public async Task ParseAsync_TextBoxOfTwoParagraphs_WordsNotGluedToTheirNeighbours()
    {
        // The text box's paragraphs were appended to the outer paragraph's text with nothing between them:
        // "CaptionLine oneLine twoAfter".
        var docx = BuildDocx(body => body.Append(new Paragraph(
            new Run(new Text("Caption")),
            new Run(new DocumentFormat.OpenXml.Wordprocessing.Picture(
                new DocumentFormat.OpenXml.Vml.Shape(new DocumentFormat.OpenXml.Vml.TextBox(new TextBoxContent(Para("Line one"), Para("Line two")))))),
            new Run(new Text("After")))));

        var items = await ParseAsync(_parser, "box.docx", docx);

        Assert.Equal(["Caption Line one Line two After"], Texts(items));
    }

    [Fact]
    public async Task ParseAsync_ParagraphsNested300000Deep_RejectedInsteadOfOverflowingTheStack()
    {
        // Without the depth check the SDK's recursive load overflows the stack and the test host dies.
        var docx = NestedParagraphsDocx(300_000, "deep");
        Assert.True(docx.Length < 20_000, $"the package is {docx.Length} bytes");

        var rejected = await RejectAsync(_parser, "nested.docx", docx);

        Assert.Equal("nested.docx", rejected.FileName);
        Assert.Contains($"more than {DocxDocumentParser.MaxElementDepth} levels deep", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParseAsync_NestingJustUnderTheLimit_IsRead()
    {
        // document, body, the paragraphs, a run and its text: 256 levels in all.
        var docx = NestedParagraphsDocx(DocxDocumentParser.MaxElementDepth - 4, "deep but allowed");

        var items = await ParseAsync(_parser, "nested.docx", docx);

        Assert.Equal(["deep but allowed"], Texts(items));
    }

    [Fact]
    public async Task ParseAsync_NestingOneOverTheLimit_Rejected()
    {
        var docx = NestedParagraphsDocx(DocxDocumentParser.MaxElementDepth - 3, "one too deep");

        var rejected = await RejectAsync(_parser, "nested.docx", docx);

        Assert.Contains("levels deep", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParseAsync_ParagraphOfThreeMillionEmptyRuns_RejectedBeforeItIsLoaded()
    {
        // Loading the paragraph built an SDK object for each run: about 450 MB and 8 s; the reviewer's 4,000,000 took
        // 605 MB and 11 s. Not one level deeper than a real paragraph, so the nesting limit did not see it.
        var docx = RawDocx(writer =>
        {
            writer.Write("<w:p>");
            for (var i = 0; i < 3_000_000; i++)
            {
                writer.Write("<w:r/>");
            }

            writer.Write("<w:r><w:t>end</w:t></w:r></w:p>");
        });
        Assert.True(docx.Length < 50_000, $"the package is {docx.Length} bytes");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var parse = RejectAsync(_parser, "wide.docx", docx);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Nothing in the parse waits on input held in memory, so it ran to the end on this thread, where it was counted.
        Assert.True(parse.IsCompleted);
        var rejected = await parse;
        Assert.Equal(
            "The .docx file has a paragraph of more than 200,000 XML elements (runs, their formatting and text); Word's longest paragraphs hold a few tens of thousands. "
            + "The file is damaged or built to exhaust memory. Split the paragraph, or open and re-save the file in Word.",
            rejected.Reason);
        Assert.True(allocated < 50_000_000, $"refusing the package allocated {allocated:N0} bytes");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"refusing the package took {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task ParseAsync_WideParagraphOnAServerInAnotherCulture_ReasonWritesTheLimitAsEverywhere()
    {
        // The reason is recorded, answered and written beside the file: the same on every server, not "200.000" in Germany.
        var docx = RawDocx(writer =>
        {
            writer.Write("<w:p>");
            for (var i = 0; i <= DocxDocumentParser.MaxParagraphElements; i++)
            {
                writer.Write("<w:r/>");
            }

            writer.Write("</w:p>");
        });
        var culture = System.Globalization.CultureInfo.CurrentCulture;
        System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.GetCultureInfo("de-DE");
        try
        {
            var rejected = await RejectAsync(_parser, "wide.docx", docx);

            Assert.StartsWith("The .docx file has a paragraph of more than 200,000 XML elements", rejected.Reason, StringComparison.Ordinal);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = culture;
        }
    }

    [Fact]
    public async Task ParseAsync_ParagraphJustUnderTheElementLimit_IsRead()
    {
        // 50,000 runs of one bold letter, four elements each (run, its properties, bold, text): 200,000 in all.
        var docx = RawDocx(writer =>
        {
            writer.Write("<w:p>");
            for (var i = 0; i < DocxDocumentParser.MaxParagraphElements / 4; i++)
            {
                writer.Write("<w:r><w:rPr><w:b/></w:rPr><w:t>w</w:t></w:r>");
            }

            writer.Write("</w:p>");
        });

        var items = await ParseAsync(_parser, "formatted.docx", docx);

        Assert.Equal(50_000, items.Sum(i => i.Text.Length));
    }

    [Fact]
    public async Task ParseAsync_TableOfThirtyThousandCells_IsRead()
    {
        // A big table: far more elements in the document than in any one paragraph, which is what the limit counts.
        var docx = RawDocx(writer =>
        {
            writer.Write("<w:tbl>");
            for (var row = 0; row < 10_000; row++)
            {
                writer.Write("<w:tr>");
                for (var cell = 0; cell < 3; cell++)
                {
                    writer.Write($"<w:tc><w:p><w:r><w:rPr><w:b/></w:rPr><w:t>r{row}c{cell}</w:t></w:r></w:p></w:tc>");
                }

                writer.Write("</w:tr>");
            }

            writer.Write("</w:tbl>");
        });

        var items = await ParseAsync(_parser, "table.docx", docx);

        Assert.Equal(30_000, items.Count);
        Assert.Equal("r9999c2", items[^1].Text);
    }

    [Fact]
    public async Task ParseAsync_PackageRelationshipsFlood_RejectedBeforeThePackageIsOpened()
    {
        // 100,000 external relationships in _rels/.rels: 17 MB of XML in a package of about 1 MB. Opening the
        // package would load every one; the reviewer's 2,000,000 took 6 s and about 750 MB.
        var docx = WithEntry(BuildDocx(body => body.Append(Para("Text."))), "_rels/.rels", writer =>
        {
            writer.Write("<?xml version=\"1.0\" encoding=\"utf-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">");
            writer.Write("<Relationship Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"/word/document.xml\" Id=\"main\"/>");
            for (var i = 0; i < 100_000; i++)
            {
                writer.Write($"<Relationship Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink\" Target=\"https://example.com/{i}\" TargetMode=\"External\" Id=\"r{i}\"/>");
            }

            writer.Write("</Relationships>");
        });
        Assert.True(docx.Length < 2_000_000, $"the package is {docx.Length} bytes");

        var rejected = await RejectAsync(_parser, "flood.docx", docx);

        Assert.Equal(
            "The .docx package's relationships and content types ([Content_Types].xml and the *.rels parts) unpack to more than 10,000,000 bytes; "
            + "Word documents have a few kilobytes of them. The file is damaged or built to exhaust memory. Open and re-save it in Word.",
            rejected.Reason);
    }

    [Fact]
    public async Task ParseAsync_PackageWithMoreZipEntriesThanTheLimit_Rejected()
    {
        var docx = BuildDocx(body => body.Append(Para("Text.")));
        using var buffer = new MemoryStream();
        buffer.Write(docx);
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Update, leaveOpen: true))
        {
            for (var i = zip.Entries.Count; i <= DocxPackageLimits.MaxEntries; i++)
            {
                zip.CreateEntry($"customXml/item{i}.xml");
            }
        }

        var rejected = await RejectAsync(_parser, "parts.docx", buffer.ToArray());

        Assert.Equal(
            "The .docx package holds 10,001 zip entries, more than the 10,000 accepted; Word documents hold a few dozen. "
            + "The file is damaged or built to exhaust memory. Open and re-save it in Word, or split it.",
            rejected.Reason);
    }

    [Fact]
    public async Task ParseAsync_DocumentWithThousandsOfHyperlinks_IsRead()
    {
        // A long reference list: 5,000 hyperlink relationships, about 800 KB of relationship XML.
        using var buffer = new MemoryStream();
        using (var document = WordprocessingDocument.Create(buffer, WordprocessingDocumentType.Document))
        {
            var main = document.AddMainDocumentPart();
            var body = new Body();
            for (var i = 0; i < 5_000; i++)
            {
                var link = main.AddHyperlinkRelationship(new Uri($"https://example.com/papers/{i}"), isExternal: true);
                body.Append(new Paragraph(new Hyperlink(new Run(new Text($"Paper {i}"))) { Id = link.Id }));
            }

            main.Document = new Document(body);
        }

        var items = await ParseAsync(_parser, "references.docx", buffer.ToArray());

        Assert.Equal(5_000, items.Count);
        Assert.Equal("Paper 4999", items[^1].Text);
    }

    // The package with the entry at path replaced by what write puts there.
    private static byte[] WithEntry(byte[] docx, string path, Action<StreamWriter> write)
    {
        using var buffer = new MemoryStream();
        buffer.Write(docx);
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Update, leaveOpen: true))
        {
            zip.GetEntry(path)?.Delete();
            using var writer = new StreamWriter(zip.CreateEntry(path, CompressionLevel.SmallestSize).Open());
            write(writer);
        }

        return buffer.ToArray();
    }

    /// <summary>A valid package whose main document's body is what <paramref name="writeBody"/> writes, in the <c>w</c> namespace.</summary>
    private static byte[] RawDocx(Action<StreamWriter> writeBody) => WithEntry(BuildDocx(_ => { }), "word/document.xml", writer =>
    {
        writer.Write("<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>");
        writeBody(writer);
        writer.Write("</w:body></w:document>");
    });

    /// <summary>A valid package whose main document nests <paramref name="depth"/> paragraphs, the innermost holding <paramref name="text"/>.</summary>
    internal static byte[] NestedParagraphsDocx(int depth, string text)
    {
        using var buffer = new MemoryStream();
        buffer.Write(BuildDocx(_ => { }));
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Update, leaveOpen: true))
        {
            zip.GetEntry("word/document.xml")!.Delete();
            using var writer = new StreamWriter(zip.CreateEntry("word/document.xml", CompressionLevel.SmallestSize).Open());
            writer.Write("<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>");
            for (var i = 0; i < depth; i++)
            {
                writer.Write("<w:p>");
            }

            writer.Write($"<w:r><w:t>{text}</w:t></w:r>");
            for (var i = 0; i < depth; i++)
            {
                writer.Write("</w:p>");
            }

            writer.Write("</w:body></w:document>");
        }

        return buffer.ToArray();
    }

    internal static byte[] BuildDocx(Action<Body> fill)
    {
        using var buffer = new MemoryStream();
        using (var document = WordprocessingDocument.Create(buffer, WordprocessingDocumentType.Document))
        {
            var main = document.AddMainDocumentPart();
            var body = new Body();
            fill(body);
            main.Document = new Document(body);
        }

        return buffer.ToArray();
    }

    private static Paragraph Para(params string[] runs) =>
        new(runs.Select(r => new Run(new Text(r) { Space = SpaceProcessingModeValues.Preserve })));
}
