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
