using Labeling.Application.Ingestion;
using static Labeling.Application.Tests.Ingestion.ParserTestKit;

namespace Labeling.Application.Tests.Ingestion;

/// <summary>One table over every format: broken files are rejected with a readable reason, never a raw exception.</summary>
public sealed class MalformedDocumentTests
{
    public static TheoryData<string, byte[]> MalformedFiles()
    {
        var garbage = new byte[20_000];
        new Random(3).NextBytes(garbage);
        var pdf = PdfDocumentParserTests.BuildPdf(["Some text."]);
        return new TheoryData<string, byte[]>
        {
            { "garbage.txt", garbage },
            { "garbage.md", garbage },
            { "garbage.csv", garbage },
            { "quotes.csv", Utf8("text,id\n\"ab\"c,1\n") },
            { "garbage.jsonl", garbage },
            { "broken.jsonl", Utf8("{\"text\": \"a\"}\n{not json}\n") },
            { "wrongtype.jsonl", Utf8("{\"text\": {\"nested\": true}}\n") },
            { "garbage.json", garbage },
            { "scalar.json", Utf8("42") },
            { "garbage.html", garbage },
            { "garbage.pdf", garbage },
            { "truncated.pdf", pdf[..(pdf.Length / 2)] },
            { "garbage.docx", garbage },
            { "empty.docx", [] },
            { "garbage.xlsx", garbage },
        };
    }

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public async Task ParseAsync_MalformedFile_RejectedWithShortReadableReason(string fileName, byte[] bytes)
    {
        var registry = DocumentParserRegistry.CreateDefault();
        using var stream = new MemoryStream(bytes);

        var rejected = await Assert.ThrowsAsync<DocumentRejectedException>(() =>
            CollectAsync(registry.ParseAsync(fileName, stream, Options())));

        Assert.Equal(fileName, rejected.FileName);
        Assert.InRange(rejected.Reason.Length, 20, 300);
        Assert.DoesNotContain('\uFFFD', rejected.Reason);
    }
}
