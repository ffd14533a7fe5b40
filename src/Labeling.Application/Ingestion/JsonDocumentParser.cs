using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Labeling.Application.Ingestion;

/// <summary>Reads <c>.json</c> files: an array of objects, or an object holding such an array.</summary>
/// <remarks>
/// The array is the root, or the field named by <see cref="IngestionOptions.JsonItemsField"/>, or —
/// when that is not set — the root object's only array-valued field. Each element is an object read
/// like a JSON Lines object (see <see cref="JsonLinesDocumentParser"/>) or a bare string taken as
/// the text. Items are <c>index-N</c> (0-based, as in the array). Loaded whole.
/// </remarks>
public sealed class JsonDocumentParser : IDocumentParser
{
    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = 256,
    };

    /// <inheritdoc />
    public IReadOnlyCollection<string> Extensions { get; } = [".json"];

    /// <inheritdoc />
    public IAsyncEnumerable<ParsedItem> ParseAsync(
        string fileName,
        Stream content,
        IngestionOptions options,
        CancellationToken cancellationToken = default) =>
        ParserPipeline.Run(fileName, content, options, "JSON", ParseCoreAsync, cancellationToken);

    private static async IAsyncEnumerable<ParsedItem> ParseCoreAsync(
        Stream content,
        IngestionOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var document = await LoadAsync(content, options, cancellationToken).ConfigureAwait(false);
        var array = FindArray(document.RootElement, options);
        var index = 0;
        foreach (var element in array.EnumerateArray())
        {
            foreach (var item in JsonFields.ToItems(element, string.Create(CultureInfo.InvariantCulture, $"index-{index}"), string.Create(CultureInfo.InvariantCulture, $"Item [{index}]"), options, "JSON"))
            {
                yield return item;
            }

            index++;
        }
    }

    // UTF-8, with or without a byte-order mark, or UTF-16 or UTF-32 with one (Windows PowerShell's Out-File writes UTF-16):
    // the JSON reader itself takes only UTF-8.
    private static async Task<JsonDocument> LoadAsync(Stream content, IngestionOptions options, CancellationToken cancellationToken)
    {
        var bytes = await PdfDocumentParser.ReadAllAsync(content, cancellationToken).ConfigureAwait(false);
        try
        {
            if (UnicodeWithMark(bytes) is { } unicode)
            {
                var preamble = unicode.Preamble.Length;
                return JsonDocument.Parse(unicode.GetString(bytes, preamble, bytes.Length - preamble), DocumentOptions);
            }

            var utf8Mark = bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : 0;
            if (!System.Text.Unicode.Utf8.IsValid(bytes.AsSpan(utf8Mark)))
            {
                // A few bytes that are not UTF-8 (a Latin-1 "é"): read as the .jsonl and .csv parsers read them, each one U+FFFD
                // (the document's note counts them), up to Ingestion:MaxInvalidCharacterFraction; the JSON reader takes none.
                using var reader = new CheckedTextReader(new MemoryStream(bytes, writable: false), options.MaxInvalidCharacterFraction);
                return JsonDocument.Parse(await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false), DocumentOptions);
            }

            return JsonDocument.Parse(bytes.AsMemory(utf8Mark), DocumentOptions);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? string.Create(CultureInfo.InvariantCulture, $" at line {line + 1}, byte {ex.BytePositionInLine + 1}") : string.Empty;
            throw new DocumentRejectedException(
                $"The file is not valid JSON{where}. Check it is complete UTF-8 JSON (for one object per line, use .jsonl).",
                ex);
        }
    }

    private static Encoding? UnicodeWithMark(ReadOnlySpan<byte> bytes)
    {
        // UTF-32 LE's mark begins with UTF-16 LE's, so it is looked for first.
        foreach (var encoding in MarkedEncodings)
        {
            if (bytes.StartsWith(encoding.Preamble))
            {
                return encoding;
            }
        }

        return null;
    }

    private static readonly Encoding[] MarkedEncodings =
    [
        new UTF32Encoding(bigEndian: false, byteOrderMark: true),
        new UTF32Encoding(bigEndian: true, byteOrderMark: true),
        new UnicodeEncoding(bigEndian: false, byteOrderMark: true),
        new UnicodeEncoding(bigEndian: true, byteOrderMark: true),
    ];

    private static JsonElement FindArray(JsonElement root, IngestionOptions options)
    {
        if (root.ValueKind == JsonValueKind.Array)
        {
            return root;
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new DocumentRejectedException("The JSON root is neither an array nor an object; expected an array of items.");
        }

        if (options.JsonItemsField is { Length: > 0 } itemsField)
        {
            if (JsonFields.TryGet(root, itemsField, out var configured) && configured.ValueKind == JsonValueKind.Array)
            {
                return configured;
            }

            throw new DocumentRejectedException(
                $"The JSON object has no array at '{itemsField}'; array fields present: {ArrayFields(root)}. Set Ingestion:JsonItemsField.");
        }

        var arrays = root.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Array).ToList();
        if (arrays.Count == 1)
        {
            return arrays[0].Value;
        }

        throw new DocumentRejectedException(arrays.Count == 0
            ? "The JSON object holds no array of items. Upload an array of objects, or an object with one array field."
            : $"The JSON object has several array fields ({ArrayFields(root)}); set Ingestion:JsonItemsField to the one holding the items.");
    }

    private static string ArrayFields(JsonElement root)
    {
        var names = root.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Array).Select(p => p.Name).ToList();
        return names.Count == 0 ? "(none)" : string.Join(", ", names);
    }
}
