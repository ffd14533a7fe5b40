#:project ../../src/Labeling.Domain/Labeling.Domain.csproj
// Where are a dog replay's errors? Per group of items (decided or still undecided, by the crowd votes the run used on them),
// the mean over runs of: items, errors as the run scored them, and errors of batch DS and of the default model on all 8,070
// recorded votes on the same items. Usage, after dog_votes_export.py on the same runs (from the repository root):
//   dotnet run docs/analysis/dog_error_groups.cs -- RUN_DIR...
// docs/benchmarks.md ("Where it stands", where dog's errors are) quotes it.
using Labeling.Domain.TruthInference;

var dog = Path.Combine("..", "shared", "datasets", "dog");
var truth = File.ReadAllLines(Path.Combine(dog, "truth.csv")).Skip(1).Select(l => l.Split(',')).ToDictionary(p => p[0], p => int.Parse(p[1]));
string[] labels = ["0", "1", "2", "3"];
var all = File.ReadAllLines(Path.Combine(dog, "answers.csv")).Skip(1).Select(l => l.Split(',')).Select(p => new Answer(p[0], p[1], p[2])).ToList();
var data = AnswerMatrix.Create(all, labels);
var ds = InferenceMethods.Create("ds").Fit(data);
var community = InferenceMethods.Default().Fit(data);
var groups = new SortedDictionary<string, double[]>(StringComparer.Ordinal);
var runs = 0;
foreach (var run in args)
{
    if (!File.Exists(run + ".votes.csv") || !File.Exists(run + ".items.csv")) continue;
    runs++;
    var used = File.ReadAllLines(run + ".votes.csv").Select(l => l.Split(',')[0]).GroupBy(i => i).ToDictionary(g => g.Key, g => g.Count());
    foreach (var p in File.ReadAllLines(run + ".items.csv").Select(l => l.Split(',')))
    {
        if (!truth.TryGetValue(p[0], out var t)) continue;
        var key = (p[2] == "1" ? "undecided, " : "decided, ") + used.GetValueOrDefault(p[0]).ToString("00") + " votes";
        if (!groups.TryGetValue(key, out var g)) groups[key] = g = new double[4];
        var index = data.IndexOfItem(p[0]);
        g[0]++;
        if (int.Parse(p[1]) != t) g[1]++;
        if (ds.PredictedIndex(index) != t) g[2]++;
        if (community.PredictedIndex(index) != t) g[3]++;
    }
}

Console.WriteLine($"{runs} runs; per run: items, errors as scored, errors of batch DS / the default model on all recorded votes");
foreach (var (key, g) in groups)
    Console.WriteLine($"{key,-22} {g[0] / runs,7:F1} {g[1] / runs,7:F1} {g[2] / runs,7:F1} {g[3] / runs,7:F1}");
Console.WriteLine($"{"all",-22} {groups.Values.Sum(g => g[0]) / runs,7:F1} {groups.Values.Sum(g => g[1]) / runs,7:F1} {groups.Values.Sum(g => g[2]) / runs,7:F1} {groups.Values.Sum(g => g[3]) / runs,7:F1}");
