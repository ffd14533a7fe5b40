using System.Text;
using Labeling.Application.Ingestion;

namespace Labeling.Application.Tests.Ingestion;

/// <summary>Runs parsers over in-memory fixtures.</summary>
internal static class ParserTestKit
{
    public static IngestionOptions Options(Action<IngestionOptions>? configure = null)
    {
        var options = new IngestionOptions();
        configure?.Invoke(options);
        return options;
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static Task<List<ParsedItem>> ParseAsync(IDocumentParser parser, string fileName, string text, IngestionOptions? options = null) =>
        ParseAsync(parser, fileName, Utf8(text), options);

    public static async Task<List<ParsedItem>> ParseAsync(IDocumentParser parser, string fileName, byte[] bytes, IngestionOptions? options = null)
    {
        using var stream = new MemoryStream(bytes);
        return await CollectAsync(parser.ParseAsync(fileName, stream, options ?? Options()));
    }

    public static Task<DocumentRejectedException> RejectAsync(IDocumentParser parser, string fileName, string text, IngestionOptions? options = null) =>
        RejectAsync(parser, fileName, Utf8(text), options);

    public static Task<DocumentRejectedException> RejectAsync(IDocumentParser parser, string fileName, byte[] bytes, IngestionOptions? options = null) =>
        Assert.ThrowsAsync<DocumentRejectedException>(() => ParseAsync(parser, fileName, bytes, options));

    public static async Task<List<ParsedItem>> CollectAsync(IAsyncEnumerable<ParsedItem> items)
    {
        var list = new List<ParsedItem>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }

    public static string[] Texts(IEnumerable<ParsedItem> items) => items.Select(i => i.Text).ToArray();
}
