using System.Text.Json;

namespace Labeling.Functions.Tests.Metadata;

/// <summary>The <c>functions.metadata</c> the Functions SDK generated for the app: what the host will bind.</summary>
internal static class FunctionsMetadata
{
    public static IReadOnlyDictionary<string, JsonElement> Load()
    {
        var path = Find();
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return json.RootElement.EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.Clone(), StringComparer.Ordinal);
    }

    public static JsonElement Binding(JsonElement function, string type) =>
        function.GetProperty("bindings").EnumerateArray().Single(b => string.Equals(b.GetProperty("type").GetString(), type, StringComparison.OrdinalIgnoreCase));

    public static string? String(JsonElement binding, string name) =>
        binding.TryGetProperty(name, out var value) ? value.GetString() : null;

    private static string Find()
    {
        // tests/Labeling.Functions.Tests/bin/{Configuration}/net10.0/ → src/Labeling.Functions/bin/{Configuration}/net10.0/
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = output.Name;
        var configuration = output.Parent!.Name;
        for (var dir = output; dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "Labeling.Functions", "bin", configuration, framework, "functions.metadata");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"functions.metadata was not found for {configuration}/{framework}; build src/Labeling.Functions first.");
    }
}
