using System.Text.RegularExpressions;
using Labeling.Adapters.Azure.Cosmos;
using Labeling.TestSupport;

namespace Labeling.Adapters.Azure.Tests.Cosmos;

/// <summary>
/// The containers the Bicep deploys are the ones the emulator's set-up creates (<see cref="CosmosDatabase.Containers"/>):
/// the same names, partition keys and indexed paths, so that what the tests run against indexes what Azure indexes.
/// </summary>
public sealed partial class CosmosContainersTests
{
    [Fact]
    public void Bicep_DeclaresTheContainersTheEmulatorSetUpCreates_WithTheSameKeysAndIndexedPaths()
    {
        var bicep = RepositoryFiles.ReadAllText("infra", "app", "cosmos.bicep");

        var declared = BicepContainers(bicep).Select(c => $"{c.Name} {c.Key} [{string.Join(", ", c.Indexed)}] ttl {c.PerItemTtl}").ToArray();
        var created = CosmosDatabase.Containers.Select(c => $"{c.Name} {c.PartitionKeyPath} [{string.Join(", ", c.IndexedPaths)}] ttl {c.PerItemTtl.ToString().ToLowerInvariant()}").ToArray();

        Assert.Equal(6, created.Length);
        Assert.Equal(created, declared);
    }

    [Fact]
    public void Containers_ReadByIdOnly_IndexNothing_AndVotesIndexTheirItem()
    {
        var indexed = CosmosDatabase.Containers.ToDictionary(c => c.Name, c => string.Join(",", c.IndexedPaths), StringComparer.Ordinal);

        Assert.Equal("", indexed["items"]);
        Assert.Equal("", indexed["labelers"]);
        Assert.Equal("/itemId/?", indexed["votes"]);
        Assert.Equal("/*", indexed["index"]);
    }

    // Each entry of `var containers = [...]`: its name, partition key path and included paths (those of the shared
    // `pointReadsOnly` policy, or of its own `indexing` object).
    private static IEnumerable<(string Name, string Key, string[] Indexed, string PerItemTtl)> BicepContainers(string bicep)
    {
        var start = bicep.IndexOf("var containers = [", StringComparison.Ordinal);
        Assert.True(start >= 0, "cosmos.bicep has no 'var containers'.");
        var shared = IncludedPaths(Block(bicep, bicep.IndexOf("var pointReadsOnly = {", StringComparison.Ordinal)));
        var list = Block(bicep, start);
        foreach (Match entry in Entry().Matches(list))
        {
            var body = entry.Groups["body"].Value;
            var indexing = body.Contains("indexing: pointReadsOnly", StringComparison.Ordinal) ? shared : IncludedPaths(body);
            yield return (entry.Groups["name"].Value, Key().Match(body).Groups[1].Value, indexing, PerItemTtl().Match(body).Groups[1].Value);
        }
    }

    private static string[] IncludedPaths(string text)
    {
        var at = text.IndexOf("includedPaths: [", StringComparison.Ordinal);
        Assert.True(at >= 0, $"no includedPaths in: {text}");
        var end = text.IndexOf(']', at + "includedPaths: [".Length);
        return [.. IncludedPath().Matches(text[at..end]).Select(m => m.Groups[1].Value)];
    }

    // The text from an opening bracket or brace at or after `from` to its matching close.
    private static string Block(string text, int from)
    {
        Assert.True(from >= 0, "block not found");
        var open = text.IndexOfAny(['[', '{'], from);
        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            depth += text[i] switch { '[' or '{' => 1, ']' or '}' => -1, _ => 0 };
            if (depth == 0)
            {
                return text[open..(i + 1)];
            }
        }

        throw new InvalidOperationException("unclosed block");
    }

    [GeneratedRegex(@"perItemTtl: (true|false)")]
    private static partial Regex PerItemTtl();

    [GeneratedRegex(@"\{\s*name: '(?<name>[^']+)'(?<body>.*?)\n  \}", RegexOptions.Singleline)]
    private static partial Regex Entry();

    [GeneratedRegex(@"partitionKeyPath: '([^']+)'")]
    private static partial Regex Key();

    [GeneratedRegex(@"path: '([^']+)'")]
    private static partial Regex IncludedPath();
}
