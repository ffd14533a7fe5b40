#:project ../../src/Labeling.Domain/Labeling.Domain.csproj
// Does averaging the default model over bootstrap replicates (items resampled with replacement) read dog's review items
// better than the one fit the server's re-fit makes? Usage, after dog_votes_export.py on the same runs:
//   dotnet run docs/analysis/dog_bagged_reading.cs -- 15 RUN_DIR...      (15 replicates; from the repository root)
// Prints per run the correct items of each reading (server, the default model on the used votes, the same read through
// its confusion matrices, bagged: mean posterior, mean log posterior, and server times bagged), then mean/sd/lowest and
// how many runs reach 672 of 807 (the target line). docs/benchmarks.md quotes it.
using Labeling.Domain.TruthInference;

var truth = File.ReadAllLines(Path.Combine("..", "shared", "datasets", "dog", "truth.csv")).Skip(1).Select(l => l.Split(',')).ToDictionary(p => p[0], p => p[1]);
int B = int.Parse(args[0]);
var names = new List<string>();
var sums = new Dictionary<string, List<int>>();
foreach (var run in args.Skip(1))
{
    var votes = File.ReadAllLines(run + ".votes.csv").Select(l => l.Split(',')).Select(p => new Answer(p[0], p[1], p[2])).ToList();
    var items = File.ReadAllLines(run + ".items.csv").Select(l => l.Split(',')).ToDictionary(p => p[0], p => (label: p[1], review: p[2] == "1"));
    var labels = new[] { "0", "1", "2", "3" };
    var method = InferenceMethods.Default();
    var full = method.Fit(AnswerMatrix.Create(votes, labels));
    var byItem = votes.GroupBy(v => v.Item).ToDictionary(g => g.Key, g => g.ToList());
    var keys = byItem.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
    var rnd = new Random(1);
    var acc = keys.ToDictionary(k => k, _ => new double[4]);
    var accLog = keys.ToDictionary(k => k, _ => new double[4]);
    for (int b = 0; b < B; b++)
    {
        var sample = new List<Answer>();
        var n = 0;
        foreach (var _ in keys)
        {
            var k = keys[rnd.Next(keys.Length)];
            foreach (var v in byItem[k]) sample.Add(v with { Item = $"{k}#{n}" });
            n++;
        }
        var fit = method.Fit(AnswerMatrix.Create(sample, labels));
        // Every item (in the replicate or not) is read from its own votes with the replicate's confusions and class prior.
        foreach (var k in keys)
        {
            var lp = new double[4];
            for (int j = 0; j < 4; j++) lp[j] = Math.Log(Math.Max(fit.ClassPriors[j], 1e-12));
            foreach (var v in byItem[k])
            {
                var w = fit.Data.IndexOfWorker(v.Worker);
                if (w < 0) continue;
                var c = fit.Confusion(w);
                for (int j = 0; j < 4; j++) lp[j] += Math.Log(Math.Max(c[j, int.Parse(v.Label!)], 1e-12));
            }
            var m = lp.Max(); var e = lp.Select(x => Math.Exp(x - m)).ToArray(); var s = e.Sum();
            for (int j = 0; j < 4; j++) { acc[k][j] += e[j] / s; accLog[k][j] += lp[j]; }
        }
    }
    // "full via confusion" reads the one fit the same way, to show that reading agrees with the fit's own posteriors.
    var readings = new Dictionary<string, Func<string, int>>
    {
        ["server"] = k => int.Parse(items[k].label),
        ["community used"] = k => ArgMax(full.Posterior(full.Data.IndexOfItem(k)).ToArray()),
        ["full via confusion"] = k => ReadWith(full, byItem[k]),
        [$"bagged {B} mean post"] = k => ArgMax(acc[k]),
        [$"bagged {B} mean log"] = k => ArgMax(accLog[k]),
        ["server*bagged"] = k => ArgMax(acc[k].Select((x, j) => x * full.Posterior(full.Data.IndexOfItem(k))[j]).ToArray()),
    };
    var row = new List<int>();
    foreach (var (name, read) in readings)
    {
        var correct = truth.Count(t => items.TryGetValue(t.Key, out var it) && (it.review ? read(t.Key) : int.Parse(it.label)).ToString() == t.Value);
        if (!sums.ContainsKey(name)) { sums[name] = []; names.Add(name); }
        sums[name].Add(correct); row.Add(correct);
    }
    Console.WriteLine($"{run} {string.Join(' ', row)}");
}
foreach (var name in names)
{
    var v = sums[name]; var mean = v.Average(); var sd = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / Math.Max(1, v.Count - 1));
    Console.WriteLine($"{name,-26} mean {mean / 807:F4} sd {sd / 807:F4} low {v.Min() / 807.0:F4} line {v.Count(x => x >= 672)}/{v.Count}");
}
static int ReadWith(InferenceResult fit, List<Answer> votes)
{
    var lp = new double[4];
    for (int j = 0; j < 4; j++) lp[j] = Math.Log(Math.Max(fit.ClassPriors[j], 1e-12));
    foreach (var v in votes) { var w = fit.Data.IndexOfWorker(v.Worker); var c = fit.Confusion(w); for (int j = 0; j < 4; j++) lp[j] += Math.Log(Math.Max(c[j, int.Parse(v.Label!)], 1e-12)); }
    return ArgMax(lp);
}
static int ArgMax(double[] p) { int b = 0; for (int i = 1; i < p.Length; i++) if (p[i] > p[b]) b = i; return b; }
