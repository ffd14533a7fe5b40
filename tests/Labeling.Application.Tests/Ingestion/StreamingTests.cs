using System.Text;
using Labeling.Application.Ingestion;
using static Labeling.Application.Tests.Ingestion.ParserTestKit;

namespace Labeling.Application.Tests.Ingestion;

public sealed class StreamingTests
{
    [Theory]
    [InlineData("big.txt")]
    [InlineData("big.csv")]
    [InlineData("big.jsonl")]
    public async Task ParseAsync_LargeStreamableFile_FirstItemBeforeMostOfFileIsRead(string fileName)
    {
        var bytes = BigFile(Path.GetExtension(fileName), rows: 40_000);
        using var stream = new MemoryStream(bytes);
        var registry = DocumentParserRegistry.CreateDefault();

        await using var items = registry.ParseAsync(fileName, stream, Options()).GetAsyncEnumerator();

        Assert.True(await items.MoveNextAsync());
        Assert.Equal("Comment number 0 is here.", items.Current.Text);
        Assert.True(stream.Position < bytes.Length / 10, $"read {stream.Position:N0} of {bytes.Length:N0} bytes for the first item");
    }

    private static byte[] BigFile(string extension, int rows)
    {
        var text = new StringBuilder(extension == ".csv" ? "id,text\n" : string.Empty);
        for (var i = 0; i < rows; i++)
        {
            text.Append(extension switch
            {
                ".csv" => $"{i},\"Comment number {i} is here.\"\n",
                ".jsonl" => $"{{\"text\":\"Comment number {i} is here.\"}}\n",
                _ => $"Comment number {i} is here.\n\n",
            });
        }

        return Utf8(text.ToString());
    }
}
