using System.Text.Json;
using System.Text.Json.Serialization;

namespace Labeling.Application;

/// <summary>
/// The JSON conventions of the API and the stores: camelCase names, kebab-case enum values, no nulls written, and no
/// property twice in one object (names compared as they are matched, so <c>label</c> and <c>LABEL</c> count as one).
/// </summary>
public static class LabelingJson
{
    /// <summary>Shared, read-only serializer options.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>Applies the conventions to existing options (e.g. ASP.NET Core's HTTP JSON options).</summary>
    /// <param name="options">Options to change.</param>
    public static void Apply(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        // `{"label":"ham","LABEL":"spam"}` was the last one's vote; a proxy or audit reading the first would disagree.
        options.AllowDuplicateProperties = false;
        // Numbers are numbers: "5" for 5 is refused like any other type error (the web defaults read numbers from strings,
        // which also made every number of the OpenAPI description "integer or string").
        options.NumberHandling = JsonNumberHandling.Strict;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false));
    }

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Apply(options);
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
