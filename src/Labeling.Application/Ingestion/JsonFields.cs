using System.Text.Json;

namespace Labeling.Application.Ingestion;

/// <summary>Reads configured fields out of one JSON object for the json and jsonl parsers.</summary>
internal static partial class JsonFields
{
    /// <summary>Follows a dotted path (<c>a.b.c</c>) through nested objects.</summary>
    public static bool TryGet(JsonElement element, string dottedPath, out JsonElement value)
    {
        value = element;
        foreach (var name in dottedPath.Split('.'))
        {
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(name, out value))
            {
                value = default;
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The item built from one object: text and optional id from the configured fields, other
    /// top-level scalar fields as metadata. <paramref name="where"/> names the object in reasons
    /// ("Line 4", "Item [2]").
    /// </summary>
    public static IEnumerable<ParsedItem> ToItems(
        JsonElement element,
        string sourceId,
        string where,
        IngestionOptions options,
        string formatName)
    {
        if (element.ValueKind == JsonValueKind.String)
        {
            return RecordItems.Create(sourceId, Text(element), null, ParsedItem.NoMetadata, options.MaxItemCharacters);
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new DocumentRejectedException(
                $"{where} is {Article(element.ValueKind)}; each {formatName} item must be an object with a '{options.JsonTextField}' field.");
        }

        if (!TryGet(element, options.JsonTextField, out var textValue))
        {
            throw new DocumentRejectedException(
                $"{where} has no field '{options.JsonTextField}'; fields present: {FieldNames(element)}. {options.TextColumnAdvice("Ingestion:JsonTextField", "field")}");
        }

        var text = Scalar(textValue, where, options.JsonTextField);
        string? id = null;
        if (options.JsonIdField is { Length: > 0 } idField)
        {
            if (!TryGet(element, idField, out var idValue))
            {
                throw new DocumentRejectedException(
                    $"{where} has no field '{idField}'; fields present: {FieldNames(element)}. Set or clear Ingestion:JsonIdField.");
            }

            id = Scalar(idValue, where, idField);
        }

        return RecordItems.Create(sourceId, text, id, Metadata(element, options), options.MaxItemCharacters);
    }

    /// <summary>
    /// A string value's text. An escaped lone surrogate (<c>"\ud83d"</c>: text cut in the middle of an emoji, as Python's
    /// <c>json.dumps</c> writes it) is valid JSON but no text, and the reader refuses to decode it: it becomes U+FFFD, as an
    /// undecodable byte does, and the document's note counts it.
    /// </summary>
    public static string Text(JsonElement value)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            var raw = LoneSurrogateEscape().Replace(value.GetRawText(), "\\uFFFD");
            using var repaired = JsonDocument.Parse(raw);
            return repaired.RootElement.GetString()!;
        }
    }

    // \uD800–\uDBFF not followed by \uDC00–\uDFFF, or \uDC00–\uDFFF not preceded by \uD800–\uDBFF; the backslash
    // is an escape's (an even number of backslashes before it).
    [System.Text.RegularExpressions.GeneratedRegex(
        @"(?<=(?:^|[^\\])(?:\\\\)*)(?:\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2})")]
    private static partial System.Text.RegularExpressions.Regex LoneSurrogateEscape();

    private static string? Scalar(JsonElement value, string where, string field) => value.ValueKind switch
    {
        JsonValueKind.String => Text(value),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        JsonValueKind.Null => null,
        _ => throw new DocumentRejectedException(
            $"{where}: field '{field}' is {Article(value.ValueKind)}, expected text. Point the setting at a text field."),
    };

    private static Dictionary<string, string> Metadata(JsonElement element, IngestionOptions options)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (property.Name == options.JsonTextField || property.Name == options.JsonIdField)
            {
                continue;
            }

            var value = property.Value.ValueKind switch
            {
                JsonValueKind.String => Text(property.Value),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => property.Value.GetRawText(),
                _ => null,
            };
            if (value is not null)
            {
                metadata[property.Name] = value;
            }
        }

        return metadata;
    }

    private static string FieldNames(JsonElement element)
    {
        var names = element.EnumerateObject().Select(p => p.Name).ToList();
        return names.Count == 0 ? "(none)" : string.Join(", ", names);
    }

    private static string Article(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "not a value",
    };
}
