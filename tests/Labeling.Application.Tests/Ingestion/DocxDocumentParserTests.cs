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
