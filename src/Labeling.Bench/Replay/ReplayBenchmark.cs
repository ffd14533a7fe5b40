using System.Diagnostics;
using System.Globalization;
using Labeling.Bench.Calibration;
using Labeling.Bench.Datasets;
using Labeling.Bench.Evaluation;
using Labeling.Application.Export;
using Labeling.Application.Items;
using Labeling.Bench.Live;
using Labeling.Bench.Methods;
using Labeling.Bench.Terminal;
using Labeling.Domain.Labelers;
using Labeling.Domain.Routing;
using Labeling.Domain.TruthInference;

namespace Labeling.Bench.Replay;

/// <summary>
/// Replays each data set against a live server (one new project per data set, see
/// <see cref="CrowdReplay"/>), runs the server's batch re-fit (<c>POST /api/projects/{id}/refit</c>, as the
/// scheduled re-fit would) and lets the crowd answer the items it re-opens until one re-opens none, and reports accuracy
/// against truth.csv after that (labels revised included), and votes used. With <c>--runs N</c> it does all of that N
/// times, each time on new projects on the same server, and sums the runs up (<see cref="ReplaySummary"/>).
/// </summary>
internal sealed class ReplayBenchmark(ReplaySettings settings, BenchConsole console, TimeProvider time)
{
    /// <summary>Re-fits per data set at most: each may re-open items the next crowd pass answers.</summary>
    public const int MaxRefits = 10;

    /// <summary>Runs the benchmark and returns the exit code.</summary>
    public async Task<int> RunAsync(CancellationToken ct)
    {
        var routing = Validate();
        var tokens = TokenMint.Create(settings.TokenData, settings.AdminToken, settings.ReviewerToken);
        if (!tokens.CanMintLabelers)
            throw new UsageException("Simulated workers need Labeler tokens with their own sub, minted with the server's key; give --token-data SERVERDATADIR.");
        console.Error.WriteLine(routing is null
            ? "note: projects use the server's default routing (no routing settings sent)."
            : string.Create(CultureInfo.InvariantCulture, $"note: projects use routing crowdTarget={routing.CrowdTarget}, minCrowdVotes={routing.MinCrowdVotes}, maxCrowdVotes={routing.MaxCrowdVotes}, retireUninformativeWorkers={routing.RetireUninformativeWorkers}, retirementVotes={routing.RetirementVotes}, recheck={(routing.RecheckDecidedLabels ? routing.RecheckTarget.ToString(CultureInfo.InvariantCulture) : "off")}, other settings default."));

        using var api = new LabelingApiClient(settings.Server, time);
        var csv = settings.Format == "csv";
        // Loaded (and checked) before the report writes its header: a bad data set leaves no header-only table on stdout.
        var datasets = settings.DataDirectories.Select(DatasetLoader.Load).ToList();
        var references = datasets.Select(Reference.Of).ToList();
        var report = new ReplayReport(console.Out, csv, showRun: settings.Runs > 1);
        // Each data set's runs, by position, not by name: two folders of one name are two data sets.
        var byDataset = datasets.Select(_ => new List<ReplayRow>()).ToList();
        for (var run = 1; run <= settings.Runs; run++)
        {
            for (var d = 0; d < datasets.Count; d++)
            {
                var row = await ReplayAsync(api, tokens, datasets[d], references[d], run, routing, ct).ConfigureAwait(false);
                byDataset[d].Add(row);
                report.Add(row);
            }
        }
        report.Complete();
        if (settings.Runs > 1)
        {
            // The CSV on stdout keeps its one header and its rows; the summary goes beside the progress notes.
            var output = csv ? console.Error : console.Out;
            if (!csv) output.WriteLine();
            foreach (var line in ReplaySummary.Lines(byDataset)) output.WriteLine((csv ? "summary: " : "") + line);
            output.Flush();
        }
        if (settings.Calibration) WriteCalibration(byDataset, csv);
        return ExitCodes.Success;
    }

    private async Task<ReplayRow> ReplayAsync(
        LabelingApiClient api, TokenMint tokens, Dataset dataset, Reference reference, int run, RoutingSettings? routing, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var crowd = RecordedCrowd.Of(dataset);
        using var progress = console.Progress(settings.Runs > 1 ? string.Create(CultureInfo.InvariantCulture, $"replay {dataset.Name}, run {run} of {settings.Runs}") : $"replay {dataset.Name}");
        if (settings.Runs > 1) progress.Note(string.Create(CultureInfo.InvariantCulture, $"{dataset.Name}: run {run} of {settings.Runs}, on a new project."));
        foreach (var note in TruthCoverage.Of(dataset).Notes(dataset.Name)) progress.Note(note);
        var project = await ReplayProject.CreateAsync(api, tokens.Admin(), crowd, routing, ct).ConfigureAwait(false);
        progress.Note(string.Create(CultureInfo.InvariantCulture,
            $"{dataset.Name}: project {project.Id}: {crowd.Items.Count} items in the pool after {clock.Elapsed.TotalSeconds:F1} s; {crowd.Workers.Count} workers, {crowd.VotesRecorded} recorded votes."));

        var nextNote = 1000;
        var replay = new CrowdReplay(api, tokens, project, settings.Concurrency, time);
        var stats = await replay.RunAsync((votes, open, retired) =>
        {
            progress.Report(crowd.Items.Count - open, crowd.Items.Count, string.Create(CultureInfo.InvariantCulture, $"{votes} votes"));
            if (votes < nextNote) return;
            nextNote += 1000;
            progress.Note(string.Create(CultureInfo.InvariantCulture, $"{dataset.Name}: {votes} votes, {open} items open, {retired} workers retired, {clock.Elapsed.TotalSeconds:F0} s"));
        }, ct).ConfigureAwait(false);

        var reviewer = tokens.Reviewer();
        // The last label each item was exported with: what a consumer holds for an item a re-fit re-opened.
        var published = new Dictionary<string, ExportRow>(StringComparer.Ordinal);
        var decidedExport = await api.ExportAsync(reviewer, project.Id, ct).ConfigureAwait(false);
        foreach (var row in decidedExport) published[row.ItemId] = row;
        var frozen = ReplayScore.Of(project, decidedExport,
            await api.ListItemsAsync(reviewer, project.Id, ct).ConfigureAwait(false));

        // Stands in for the scheduled re-fit running after the crowd: it may revise decided labels and re-open doubtful
        // ones (routing.recheckTarget), which the crowd then answers as it would between two scheduled re-fits; until a
        // re-fit re-opens nothing (or MaxRefits).
        var revision = await api.RefitAsync(tokens.Admin(), project.Id, ct).ConfigureAwait(false);
        var items = await api.ListItemsAsync(reviewer, project.Id, ct).ConfigureAwait(false);
        int refits = 1, revised = revision.Revised, reopened = revision.Reopened, recheckVotes = 0;
        while (revision.Reopened > 0 && refits < MaxRefits)
        {
            var back = replay.Reopen(items);
            var more = await replay.RunAsync((_, _, _) => { }, ct).ConfigureAwait(false);
            foreach (var row in await api.ExportAsync(reviewer, project.Id, ct).ConfigureAwait(false)) published[row.ItemId] = row;
            recheckVotes += more.Votes;
            stats = stats.Add(more);
            progress.Note(string.Create(CultureInfo.InvariantCulture,
                $"{dataset.Name}: re-fit {refits} re-opened {revision.Reopened} decided items ({back} back in the pool); the crowd gave them {more.Votes} more votes."));
            revision = await api.RefitAsync(tokens.Admin(), project.Id, ct).ConfigureAwait(false);
            items = await api.ListItemsAsync(reviewer, project.Id, ct).ConfigureAwait(false);
            refits++;
            revised += revision.Revised;
            reopened += revision.Reopened;
        }
        var export = await api.ExportAsync(reviewer, project.Id, ct).ConfigureAwait(false);
        var used = (await api.ProgressAsync(reviewer, project.Id, ct).ConfigureAwait(false)).CrowdVotes;
        var score = ReplayScore.Of(project, export, items, reference.Labels);
        // Re-opened items the crowd left undecided, scored with the label consumers still hold instead of their posterior.
        var exported = export.Select(r => r.ItemId).ToHashSet(StringComparer.Ordinal);
        var heldRows = items.Where(v => v.ReopenedFromRevision is not null && !exported.Contains(v.Id))
            .Select(v => published.GetValueOrDefault(v.Id)).OfType<ExportRow>().ToList();
        var held = ReplayScore.Of(project, [.. export, .. heldRows], items);
        var refit = await RefitAsync(api, reviewer, project, items, ct).ConfigureAwait(false);
        progress.Note(string.Create(CultureInfo.InvariantCulture,
            $"{dataset.Name}: server re-fit ({revision.Method}) x{refits}: {revised} labels revised, {reopened} re-opened for more votes ({recheckVotes} votes), last re-fit {revision.Disagreements} labeled items disagreed with the batch posterior, {revision.ReviewPosteriorsUpdated} items in review and {revision.PoolPosteriorsUpdated} collecting re-ranked ({revision.RevisionConflicts} conflicts); accuracy {frozen.Accuracy:F4} as decided, {score.Accuracy:F4} after the re-fits ({held.Accuracy:F4} counting the {heldRows.Count} re-opened items the crowd left undecided with the label consumers hold instead of their posterior); batch DS on the votes used {refit:F4}."));
        progress.Note(string.Create(CultureInfo.InvariantCulture,
            $"{dataset.Name}: {stats.Votes} votes in {stats.Rounds} rounds ({stats.Votes / Math.Max(stats.Seconds, 1e-9):F0} votes/s, up to {stats.MaxInFlight} in flight), {stats.Holders} exhausted items held out of the pool, {stats.Mismatches} unexpected leases, {stats.Released} released unanswerable, {stats.Retired} of {crowd.Workers.Count} workers retired by the server."));
        progress.Note(string.Create(CultureInfo.InvariantCulture,
            $"{dataset.Name}: item by item against batch DS on all {crowd.VotesRecorded} recorded votes: {string.Join(", ", score.ByState.Select(s => $"{System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(s.State.ToString())} {s.Items} ({s.Correct} right; batch DS {s.ReferenceCorrect})"))}."));
        if (score.ScoredUndecided > 0)
            progress.Note(string.Create(CultureInfo.InvariantCulture, $"note: {dataset.Name}: {score.ScoredUndecided} truth item(s) are undecided ({score.NeedsReview} items in review, {score.Collecting} still collecting); they count with their current most likely label."));
        if (score.Unlabeled > 0)
            progress.Note(string.Create(CultureInfo.InvariantCulture, $"note: {dataset.Name}: {score.Unlabeled} truth item(s) have no label and no posterior; they count as wrong."));
        var calibration = settings.Calibration ? ReplayCalibration.Of(project, export, items) : null;
        if (calibration is { JoinMismatches: > 0 })
            progress.Note(string.Create(CultureInfo.InvariantCulture, $"note: {dataset.Name}: {calibration.JoinMismatches} exported item(s) have a text other than the one uploaded for the data-set item the replay mapped them to; the calibration join is suspect."));
        return new ReplayRow(dataset.Name, score.Accuracy, used, crowd.VotesRecorded, crowd.Items.Count, score.Decided, score.NeedsReview, score.Collecting,
            clock.Elapsed.TotalSeconds, refit, reference.Accuracy, run)
        {
            Calibration = calibration,
        };
    }

    // After everything else: on stdout below the table, or beside the notes with CSV so stdout stays one CSV table.
    private void WriteCalibration(IEnumerable<IReadOnlyList<ReplayRow>> byDataset, bool csv)
    {
        var output = csv ? console.Error : console.Out;
        foreach (var row in byDataset.SelectMany(runs => runs))
        {
            if (row.Calibration is not { } calibration) continue;
            var title = settings.Runs > 1 ? string.Create(CultureInfo.InvariantCulture, $"{row.Dataset}, run {row.Run}") : row.Dataset;
            foreach (var (what, report) in (ReadOnlySpan<(string, CalibrationReport)>)[
                ("the confidence a decision was made with", calibration.Report),
                ("the posterior of the same label, stored now", calibration.PosteriorReport)])
            {
                output.WriteLine(csv ? "calibration:" : "");
                foreach (var line in CalibrationTable.Lines($"{title}, by {what}", report, calibration.LeftOut))
                    output.WriteLine(csv ? ("calibration: " + line).TrimEnd() : line);
            }
        }
        output.Flush();
    }

    // Batch DS on every recorded vote, the target's reference: its label per item and its accuracy against truth.csv.
    // The votes are those a replay could cast (RecordedCrowd.Castable: a worker's repeated row on an item counts once, as
    // the replay casts it once). It does not change from run to run, so it is fitted once per data set.
    private sealed record Reference(Dictionary<string, string> Labels, double Accuracy)
    {
        public static Reference Of(Dataset dataset)
        {
            var fit = BenchMethods.Create("ds").Run(RecordedCrowd.Of(dataset).Castable, dataset.AnswerLabels, timingRuns: 1).Result;
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var item = 0; item < fit.Data.ItemCount; item++)
            {
                if (fit.Data.AnswersOnItem(item) > 0 && fit.PredictedLabel(item) is { } label) labels[fit.Data.Items[item]] = label;
            }
            return new Reference(labels, AccuracyScorer.Accuracy(fit, dataset.Truth));
        }
    }

    // Batch DS on exactly the crowd votes the server recorded: what the project would score if its
    // decisions were re-estimated at the end instead of frozen when each item reached its target.
    private static async Task<double> RefitAsync(LabelingApiClient api, string token, ReplayProject project, IReadOnlyList<ItemView> items, CancellationToken ct)
    {
        var answers = new List<Answer>();
        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (view, token2) =>
        {
            var item = await api.GetItemAsync(token, project.Id, view.Id, token2).ConfigureAwait(false);
            var name = project.Crowd.Items[project.ItemOf(view.Id)];
            lock (answers)
            {
                foreach (var vote in item.Votes ?? [])
                    if (vote.Kind == LabelerKind.Worker && vote.Label is not null) answers.Add(new Answer(name, vote.Labeler, vote.Label));
            }
        }).ConfigureAwait(false);
        if (answers.Count == 0) return double.NaN;
        // Sorted so the fit does not depend on the order the concurrent reads finished in.
        answers.Sort((a, b) =>
        {
            var byItem = string.CompareOrdinal(a.Item, b.Item);
            return byItem != 0 ? byItem : string.CompareOrdinal(a.Worker, b.Worker);
        });
        var fit = BenchMethods.Create("ds").Run(answers, project.Crowd.Labels, timingRuns: 1);
        return AccuracyScorer.Accuracy(fit.Result, project.Crowd.Dataset.Truth);
    }

    // Everything checkable without the server is checked first, so a typo fails in a second.
    private RoutingSettings? Validate()
    {
        if (settings.Concurrency < 1) throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--concurrency must be at least 1 (got {settings.Concurrency})."));
        if (settings.Runs < 1) throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--runs must be at least 1 (got {settings.Runs})."));
        foreach (var directory in settings.DataDirectories)
        {
            if (!Directory.Exists(directory))
                throw new UsageException($"--data '{directory}' is not a folder; give folders that hold answers.csv and truth.csv.");
        }
        if (settings.TargetConfidence is null && settings.MinVotes is null && settings.MaxVotes is null && settings.RetireWorkers is null && settings.RetirementVotes is null && settings.RecheckTarget is null) return null;
        var routing = new RoutingSettings();
        if (settings.RecheckTarget is { } recheck)
        {
            routing = string.Equals(recheck, "off", StringComparison.OrdinalIgnoreCase) ? routing with { RecheckDecidedLabels = false }
                : double.TryParse(recheck, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? routing with { RecheckTarget = value }
                : throw new UsageException($"--recheck-target must be a probability such as 0.99, or off (got '{recheck}').");
        }
        routing = routing with
        {
            CrowdTarget = settings.TargetConfidence ?? routing.CrowdTarget,
            MinCrowdVotes = settings.MinVotes ?? routing.MinCrowdVotes,
            MaxCrowdVotes = settings.MaxVotes ?? routing.MaxCrowdVotes,
            RetireUninformativeWorkers = settings.RetireWorkers ?? routing.RetireUninformativeWorkers,
            RetirementVotes = settings.RetirementVotes ?? routing.RetirementVotes,
        };
        var errors = routing.Validate();
        if (errors.Count > 0)
            throw new UsageException(string.Join(" ", errors).Replace("routing.crowdTarget", "--target-confidence", StringComparison.Ordinal).Replace("routing.maxCrowdVotes", "--max-votes", StringComparison.Ordinal).Replace("routing.minCrowdVotes", "--min-votes", StringComparison.Ordinal).Replace("routing.retirementVotes", "--retirement-votes", StringComparison.Ordinal).Replace("routing.recheckTarget", "--recheck-target", StringComparison.Ordinal));
        return routing;
    }
}
