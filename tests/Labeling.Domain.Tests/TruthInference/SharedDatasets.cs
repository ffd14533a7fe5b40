using System.Collections.Concurrent;
using Labeling.Domain.TruthInference;

namespace Labeling.Domain.Tests.TruthInference;

/// <summary>
/// The public crowdsourcing data sets in <c>shared/datasets</c> (answers.csv: item,worker,label;
/// truth.csv: item,label). Found by walking up from the test binaries, which covers both this
/// workplace (repo inside the folder that holds <c>shared/</c>) and CI (the clone next to a copy of
/// <c>shared/</c>). Each set is parsed once per test run.
/// </summary>
internal static class SharedDatasets
{
    /// <summary>Every shared set the table tests run over.</summary>
    public static readonly string[] Names = ["dog", "duck", "face", "product", "rte", "web"];

    private static readonly Lazy<string> Root = new(Locate);
    private static readonly ConcurrentDictionary<string, Lazy<Dataset>> Cache = new(StringComparer.Ordinal);

    public static Dataset Load(string name) =>
        Cache.GetOrAdd(name, n => new Lazy<Dataset>(() => Read(n))).Value;

    private static Dataset Read(string name)
    {
        var folder = Path.Combine(Root.Value, name);
        var answers = ReadRows(Path.Combine(folder, "answers.csv"), 3)
            .Select(f => new Answer(f[0], f[1], f[2]))
            .ToList();
        var truth = ReadRows(Path.Combine(folder, "truth.csv"), 2)
            .ToDictionary(f => f[0], f => f[1], StringComparer.Ordinal);
        return new Dataset(name, AnswerMatrix.Create(answers), truth, answers);
    }

    private static IEnumerable<string[]> ReadRows(string path, int columns)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Shared data set file '{path}' is missing.", path);
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            var fields = line.Split(',');
            if (fields.Length != columns) throw new InvalidDataException($"'{path}': expected {columns} comma-separated fields, got '{line}'.");
            yield return fields;
        }
    }

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "datasets");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException(
            $"No 'shared/datasets' folder above '{AppContext.BaseDirectory}'. Clone the repository next to the shared/ folder (<clone>/../shared/datasets).");
    }
}

/// <summary>One loaded data set with its gold labels.</summary>
internal sealed record Dataset(string Name, AnswerMatrix Data, IReadOnlyDictionary<string, string> Truth, IReadOnlyList<Answer> Answers)
{
    /// <summary>Share of gold-labelled items whose predicted label equals the gold label.</summary>
    public double Accuracy(InferenceResult result)
    {
        // Index by the result's own items: an online replay encodes them in arrival order.
        var items = result.Data.Items;
        int scored = 0, correct = 0;
        for (var i = 0; i < items.Count; i++)
        {
            if (!Truth.TryGetValue(items[i], out var gold)) continue;
            scored++;
            if (result.PredictedLabel(i) == gold) correct++;
        }
        return scored == 0 ? throw new InvalidOperationException($"Data set '{Name}' has no gold labels for its items.") : (double)correct / scored;
    }
}
