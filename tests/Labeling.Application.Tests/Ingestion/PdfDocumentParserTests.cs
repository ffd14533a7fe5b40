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
