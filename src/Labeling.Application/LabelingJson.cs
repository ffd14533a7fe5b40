using System.Text.Json;
using System.Text.Json.Serialization;

namespace Labeling.Application;

/// <summary>The JSON conventions of the API and the stores: camelCase names, kebab-case enum values, no nulls written.</summary>
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
