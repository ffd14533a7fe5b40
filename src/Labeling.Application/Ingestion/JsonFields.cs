using System.Text.Json;

namespace Labeling.Application.Ingestion;

/// <summary>Reads configured fields out of one JSON object for the json and jsonl parsers.</summary>
internal static class JsonFields
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
            using var repaired = JsonDocument.Parse(WithoutLoneSurrogateEscapes(value.GetRawText()));
            return repaired.RootElement.GetString()!;
        }
    }

    // A JSON string token (valid JSON: every escape complete) with each \uD800–\uDFFF escape that is not half of a pair
    // (a high one followed by a low one) written as \uFFFD. Read escape by escape from the left, so an escaped backslash
    // ("\\") followed by the letters "ud83d" is text, not an escape.
    private static string WithoutLoneSurrogateEscapes(string raw)
    {
        var repaired = new System.Text.StringBuilder(raw.Length);
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] != '\\' || i + 1 >= raw.Length)
            {
                repaired.Append(raw[i]);
                continue;
            }

            if (raw[i + 1] != 'u' || i + 5 >= raw.Length)
            {
                repaired.Append(raw, i, 2);
                i++;
                continue;
            }

            var unit = Hex(raw, i + 2);
            if (char.IsHighSurrogate(unit) && i + 11 < raw.Length && raw[i + 6] == '\\' && raw[i + 7] == 'u' && char.IsLowSurrogate(Hex(raw, i + 8)))
            {
                repaired.Append(raw, i, 12);
                i += 11;
                continue;
            }

            repaired.Append(char.IsSurrogate(unit) ? "\\uFFFD" : raw.Substring(i, 6));
            i += 5;
        }

        return repaired.ToString();

        static char Hex(string text, int start) =>
            (char)int.Parse(text.AsSpan(start, 4), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture);
    }

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
