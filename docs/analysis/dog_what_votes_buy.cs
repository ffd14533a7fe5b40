#:project ../../src/Labeling.Domain/Labeling.Domain.csproj
// What would close the gap between a dog replay and batch DS on all recorded votes? Each stored run's used votes are
// re-read offline as the server's last re-fit reads them (the default model fitted on the used votes; the undecided
// items read with their own class mix, Refit:UndecidedPriorStrength 10; decided items keep the run's label), then again
// with other model settings, other methods, more of the recorded votes, or fewer. Prints, per reading, the errors per
// run (mean, worst) and how many runs stay at the line (batch DS on all 8,070 votes less one point). Usage, after
// dog_votes_export.py on the same runs (from the repository root):
//   dotnet run docs/analysis/dog_what_votes_buy.cs -- RUN_DIR...
// docs/benchmarks.md ("Dog: what more votes and other readings buy") quotes it.
using Labeling.Domain.TruthInference;

var dog = Path.Combine("..", "shared", "datasets", "dog");
var truth = File.ReadAllLines(Path.Combine(dog, "truth.csv")).Skip(1).Select(l => l.Split(',')).ToDictionary(p => p[0], p => p[1]);
string[] labels = ["0", "1", "2", "3"];
var all = File.ReadAllLines(Path.Combine(dog, "answers.csv")).Skip(1).Select(l => l.Split(',')).Select(p => new Answer(p[0], p[1], p[2])).ToList();
var ds = InferenceMethods.Create("ds").Fit(AnswerMatrix.Create(all, labels));
var dsRight = truth.Count(t => ds.PredictedLabel(ds.Data.IndexOfItem(t.Key)) == t.Value);
var maxErrors = truth.Count - (int)Math.Ceiling(((dsRight / (double)truth.Count) - 0.01) * truth.Count - 1e-9);
Console.WriteLine($"batch DS on all {all.Count} recorded votes: {truth.Count - dsRight} errors of {truth.Count}; the line allows {maxErrors}");

var runs = args.Where(r => File.Exists(r + ".votes.csv") && File.Exists(r + ".items.csv")).ToList();
var readings = new (string Name, Func<int, List<Answer>, List<Answer>> Votes, Func<ITruthInference> Method)[]
{
    ("as the server reads them", (_, v) => v, InferenceMethods.Default),
    ("prior strength 5", (_, v) => v, () => new CommunityDawidSkene(new CommunityDawidSkeneOptions { PriorStrength = 5 })),
    ("prior strength 20", (_, v) => v, () => new CommunityDawidSkene(new CommunityDawidSkeneOptions { PriorStrength = 20 })),
    ("2 communities", (_, v) => v, () => new CommunityDawidSkene(new CommunityDawidSkeneOptions { Communities = 2 })),
    ("5 communities", (_, v) => v, () => new CommunityDawidSkene(new CommunityDawidSkeneOptions { Communities = 5 })),
    ("500 iterations, tolerance 1e-10", (_, v) => v, () => new CommunityDawidSkene(new CommunityDawidSkeneOptions { MaxIterations = 500, Tolerance = 1e-10 })),
    ("method ds", (_, v) => v, () => InferenceMethods.Create("ds")),
    ("method glad", (_, v) => v, () => InferenceMethods.Create("glad")),
    ("+5 % of the unused recorded votes", (r, v) => WithUnused(r, v, 0.05), InferenceMethods.Default),
    ("+10 % of the unused recorded votes", (r, v) => WithUnused(r, v, 0.10), InferenceMethods.Default),
    ("+20 % of the unused recorded votes", (r, v) => WithUnused(r, v, 0.20), InferenceMethods.Default),
    ("+40 % of the unused recorded votes", (r, v) => WithUnused(r, v, 0.40), InferenceMethods.Default),
    ("undecided items' first 8 votes only", (r, v) => FirstVotesOfUndecided(r, v, 8), InferenceMethods.Default),
};
foreach (var (name, votesOf, method) in readings)
{
    var errors = new List<int>();
    var added = 0.0;
    for (var r = 0; r < runs.Count; r++)
    {
        var used = Votes(runs[r]);
        var votes = votesOf(r, used);
        added += votes.Count - used.Count;
        errors.Add(Errors(runs[r], method().Fit(AnswerMatrix.Create(votes, labels))));
    }
    Console.WriteLine($"{name,-38} votes {added / runs.Count,5:+0;-0;0} a run, errors mean {errors.Average(),6:F2}, worst {errors.Max()}, {errors.Count(e => e <= maxErrors)} of {runs.Count} runs at the line");
}

List<Answer> Votes(string run) => File.ReadAllLines(run + ".votes.csv").Select(l => l.Split(',')).Select(p => new Answer(p[0], p[1], p[2])).ToList();

Dictionary<string, (string Label, bool Undecided)> Items(string run) =>
    File.ReadAllLines(run + ".items.csv").Select(l => l.Split(',')).ToDictionary(p => p[0], p => (p[1], p[2] == "1"));

// The run's votes plus a share of the recorded votes it did not ask for (on its decided items: undecided ones used all
// theirs), drawn with a seed fixed by the run's position and the share.
List<Answer> WithUnused(int run, List<Answer> used, double share)
{
    var asked = used.Select(v => (v.Item, v.Worker)).ToHashSet();
    var random = new Random((run * 7919) + (int)(share * 1000));
    return [.. used, .. all.Where(a => !asked.Contains((a.Item, a.Worker)) && random.NextDouble() < share)];
}

// The run's votes with each undecided item's votes after its first `cap` dropped (what a lower maxCrowdVotes would ask).
List<Answer> FirstVotesOfUndecided(int run, List<Answer> used, int cap)
{
    var items = Items(runs[run]);
    var seen = new Dictionary<string, int>();
    return used.Where(v => !items[v.Item].Undecided || (seen[v.Item] = seen.GetValueOrDefault(v.Item) + 1) <= cap).ToList();
}

// Errors against truth.csv: decided items with the run's label, undecided items read with their own class mix.
int Errors(string run, InferenceResult fit)
{
    var items = Items(run);
    var undecided = items.Where(i => i.Value.Undecided && fit.Data.IndexOfItem(i.Key) >= 0).Select(i => i.Key).ToList();
    var shifted = ClassPriorShift.Fit(undecided.Select(k => fit.Posterior(fit.Data.IndexOfItem(k)).ToArray()).ToList(), fit.ClassPriors, 10);
    var read = new Dictionary<string, string>();
    for (var j = 0; j < undecided.Count; j++)
    {
        var p = shifted.Posteriors[j];
        var best = 0;
        for (var t = 1; t < p.Length; t++) if (p[t] > p[best]) best = t;
        read[undecided[j]] = labels[best];
    }
    return truth.Count(t => items.TryGetValue(t.Key, out var i) && (read.TryGetValue(t.Key, out var l) ? l : i.Label) != t.Value);
}
