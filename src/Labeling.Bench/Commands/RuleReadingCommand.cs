using System.CommandLine;
using System.Globalization;
using Labeling.Bench.Terminal;
using Labeling.Domain.TruthInference;

namespace Labeling.Bench.Commands;

/// <summary>
/// The <c>rules</c> command: how the online model reads a keyword rule as the crowd checks it. A synthetic stream of
/// two classes ("ham" and "spam", <c>--spam-share</c> of items spam): on each item a rule that fires "spam" on
/// <c>--recall</c> of the spam and is right on <c>--precision</c> of the items it fires on votes first (where it fires),
/// then <c>--workers</c> workers right <c>--worker-accuracy</c> of the time each answer. After each of the
/// <c>--checkpoints</c> (the rule's checked votes so far) it prints one row: what a lone vote of the rule reads (an item
/// nobody else answered), the class prior, the mean posterior of the items the rule stayed silent on against their true
/// spam share, the same for the items it fired on against their share, and the share of items whose most likely label
/// is their truth; then the same lone vote and class prior as the batch default reads them on every answer so far (the
/// periodic re-fit's model). A rule read by its firing rates keeps its weight as it is checked; one read like a worker,
/// from the items it voted on only, fades towards the class prior.
/// </summary>
internal static class RuleReadingCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(BenchConsole console)
    {
        var precision = new Option<double>("--precision") { Description = "Share of the items the rule fires on that are spam.", DefaultValueFactory = _ => 0.95 };
        var recall = new Option<double>("--recall") { Description = "Share of the spam the rule fires on.", DefaultValueFactory = _ => 0.4 };
        var spamShare = new Option<double>("--spam-share") { Description = "Share of the items that are spam.", DefaultValueFactory = _ => 0.5 };
        var workers = new Option<int>("--workers") { Description = "Workers answering every item.", DefaultValueFactory = _ => 3 };
        var accuracy = new Option<double>("--worker-accuracy") { Description = "Each worker's chance of answering right.", DefaultValueFactory = _ => 0.8 };
        var checkpoints = new Option<int[]>("--checkpoints") { Description = "The rule's checked votes after which to print a row.", DefaultValueFactory = _ => [20, 100, 1000, 5000], AllowMultipleArgumentsPerToken = true };
        var seed = new Option<int>("--seed") { Description = "Seed of the stream.", DefaultValueFactory = _ => 1 };
        var command = new Command("rules", "Show how the online model reads a precise keyword rule as the crowd checks its votes.")
        {
            precision, recall, spamShare, workers, accuracy, checkpoints, seed,
        };
        command.SetAction(parse => Run(
            parse.GetValue(precision), parse.GetValue(recall), parse.GetValue(spamShare), parse.GetValue(workers),
            parse.GetValue(accuracy), parse.GetValue(checkpoints)!, parse.GetValue(seed), console));
        return command;
    }

    /// <summary>Plays the stream and prints a row at each checkpoint.</summary>
    public static int Run(double precision, double recall, double spamShare, int workers, double accuracy, int[] checkpoints, int seed, BenchConsole console)
    {
        Share(precision, "--precision");
        Share(recall, "--recall");
        Share(spamShare, "--spam-share");
        Share(accuracy, "--worker-accuracy");
        if (spamShare is 0 or 1) throw new UsageException("--spam-share must leave both classes some items (between 0 and 1, not either).");
        if (recall == 0) throw new UsageException("--recall must be more than 0: a rule that never fires has no checked votes to count.");
        if (precision == 0) throw new UsageException("--precision must be more than 0: a rule right on none of its items fires only on ham, which --recall (a share of the spam) cannot describe.");
        if (workers < 1) throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--workers must be at least 1 (got {workers})."));
        if (checkpoints.Length == 0 || checkpoints.Any(c => c < 1)) throw new UsageException("--checkpoints must list at least one count of checked votes, each 1 or more.");
        // P(fires | ham) from the precision: spam·recall / (spam·recall + ham·P(fires | ham)) = precision.
        var falseAlarms = spamShare * recall * (1 - precision) / (precision * (1 - spamShare));
        if (falseAlarms > 1) throw new UsageException("That precision, recall and spam share need the rule to fire on more than every ham item; raise the precision or lower the recall.");

        string[] labels = ["ham", "spam"];
        var model = new OnlineDawidSkene(labels, new OnlineDawidSkeneOptions { SelectivePrefixes = ["rule:"] });
        var random = new Random(seed);
        var items = new List<(string Item, int Truth, bool Fired)>();
        var order = checkpoints.Distinct().Order().ToArray();
        var output = console.Out;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"rule: precision {precision:F3}, recall {recall:F3}, fires on {falseAlarms:P1} of ham; spam share {spamShare:F3}; {workers} workers right {accuracy:P0} of the time on every item"));
        output.WriteLine("checked votes  items  lone vote P(spam)  class prior P(spam)  silent items P(spam)  (truth)  fired items P(spam)  (truth)  accuracy  batch lone vote  batch prior");
        var answers = new List<Answer>();
        var votes = 0;
        foreach (var checkpoint in order)
        {
            while (votes < checkpoint)
            {
                var truth = random.NextDouble() < spamShare ? 1 : 0;
                var item = string.Create(CultureInfo.InvariantCulture, $"i{items.Count}");
                var fires = random.NextDouble() < (truth == 1 ? recall : falseAlarms);
                if (fires)
                {
                    model.Observe(item, "rule:keyword", "spam");
                    answers.Add(new Answer(item, "rule:keyword", "spam"));
                    votes++;
                }

                for (var w = 0; w < workers; w++)
                {
                    var right = random.NextDouble() < accuracy;
                    var worker = string.Create(CultureInfo.InvariantCulture, $"worker:{w}");
                    model.Observe(item, worker, labels[right ? truth : 1 - truth]);
                    answers.Add(new Answer(item, worker, labels[right ? truth : 1 - truth]));
                }

                items.Add((item, truth, fires));
            }

            var probe = string.Create(CultureInfo.InvariantCulture, $"probe{checkpoint}");
            var lone = model.Observe(probe, "rule:keyword", "spam")[1];
            double silent = 0, silentTruth = 0, fired = 0, firedTruth = 0;
            int silentCount = 0, firedCount = 0, correct = 0;
            foreach (var (item, truth, wasFired) in items)
            {
                var p = model.Posterior(item)![1];
                if ((p > 0.5 ? 1 : 0) == truth) correct++;
                if (wasFired)
                {
                    fired += p;
                    firedTruth += truth;
                    firedCount++;
                }
                else
                {
                    silent += p;
                    silentTruth += truth;
                    silentCount++;
                }
            }

            // The batch default (community Dawid-Skene, rules selective) on every answer so far, the probe included: what
            // the periodic re-fit reads.
            var data = AnswerMatrix.Create([.. answers, new Answer(probe, "rule:keyword", "spam")], labels);
            var fit = InferenceMethods.Default(["rule:"]).Fit(data);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{checkpoint,13}  {items.Count,5}  {lone,17:F3}  {model.ClassPriors()[1],19:F3}  {Mean(silent, silentCount),20:F3}  {Mean(silentTruth, silentCount),7:F3}  {Mean(fired, firedCount),19:F3}  {Mean(firedTruth, firedCount),7:F3}  {(double)correct / items.Count,8:F3}  {fit.Posterior(data.IndexOfItem(probe))[1],15:F3}  {fit.ClassPriors[1],11:F3}"));
        }

        return ExitCodes.Success;

        static double Mean(double sum, int count) => count == 0 ? double.NaN : sum / count;
    }

    private static void Share(double value, string option)
    {
        if (!(value >= 0 && value <= 1)) throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"{option} must be a share between 0 and 1 (got {value})."));
    }
}
