using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Labeling.Bench.Live;
using Labeling.Bench.Replay;
using Labeling.Bench.Reporting;
using Labeling.Bench.Terminal;

namespace Labeling.Bench.Load;

/// <summary>
/// The <c>skip-load</c> command: what one worker who skips item after item costs the others. A new project gets
/// <c>--items</c> one-line items. Honest workers (a new one every fifty pairs) lease and vote at <c>--victim-rate</c> pairs a
/// second: for <c>--seconds</c> alone; then while a "skipper" takes and releases, as fast as it is answered, every item it is
/// offered (allowed: a release is a skip); then for <c>--seconds</c> while the skipper, having seen every item, asks for a task
/// at <c>--rate</c> requests a second. It prints the honest workers' lease and vote latency in the three phases: on a server
/// whose one writer walks past the skipper's skipped items on each of its requests, the later phases' figures grow with
/// <c>--items</c>.
/// </summary>
internal static class SkipLoadCommand
{
    private const int Askers = 4;
    private const int PairsPerHonestWorker = 50;

    /// <summary>Builds the command.</summary>
    public static Command Create(BenchConsole console)
    {
        var server = LiveOptions.Server();
        var tokenData = LiveOptions.TokenData();
        tokenData.Required = true;
        var items = new Option<int>("--items") { Description = "Items in the project, all of them skipped by the skipper first.", DefaultValueFactory = _ => 6_000 };
        var rate = new Option<double>("--rate") { Description = "The skipper's task requests per second in the measured phase.", DefaultValueFactory = _ => 70 };
        var victimRate = new Option<double>("--victim-rate") { Description = "The honest worker's lease + vote pairs per second.", DefaultValueFactory = _ => 20 };
        var seconds = new Option<double>("--seconds") { Description = "Length of each measured phase.", DefaultValueFactory = _ => 10 };
        var command = new Command("skip-load", "An honest worker's lease and vote latency, alone and beside a worker who has skipped every item and keeps asking.")
        {
            server, tokenData, items, rate, victimRate, seconds,
        };
        command.SetAction((parse, ct) => RunAsync(
            ServerAddress.Parse(parse.GetRequiredValue(server)), parse.GetRequiredValue(tokenData), parse.GetValue(items), parse.GetValue(rate),
            parse.GetValue(victimRate), parse.GetValue(seconds), console, ct));
        return command;
    }

    /// <summary>Sets up the project, has the skipper skip every item, runs both phases, prints the figures.</summary>
    public static async Task<int> RunAsync(Uri server, string tokenData, int items, double rate, double victimRate, double seconds, BenchConsole console, CancellationToken ct)
    {
        if (items < 1) throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--items must be at least 1 (got {items})."));
        if (!(rate > 0) || !double.IsFinite(rate)) throw new UsageException(Invariant($"--rate must be a positive number of requests a second (got {rate})."));
        if (!(victimRate > 0) || !double.IsFinite(victimRate)) throw new UsageException(Invariant($"--victim-rate must be a positive number of pairs a second (got {victimRate})."));
        if (!(seconds > 0) || !double.IsFinite(seconds)) throw new UsageException(Invariant($"--seconds must be positive (got {seconds})."));
        // The honest worker needs an item of its own for each pair, the skipping phase's included.
        var pairs = (int)Math.Ceiling(victimRate * seconds);
        if (4 * pairs > items) throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--items ({items}) must be at least four times the honest worker's pairs a phase ({pairs})."));
        var tokens = TokenMint.Create(tokenData, null, null);
        using var api = new LabelingApiClient(server);
        using var load = new LoadClient(server, LoadProject.Labels);
        var admin = tokens.Admin();
        var project = await LoadProject.CreateAsync(api, admin, "skip-load", ct).ConfigureAwait(false);
        await api.UploadAsync(admin, project, "items.csv", LoadProject.Document(project, items), ct).ConfigureAwait(false);
        await ReplayProject.WaitForPoolAsync(api, admin, project, items, ct).ConfigureAwait(false);

        // Honest workers, fifty pairs each: one worker voting on thousands of items that stay in the pool (a vote each decides
        // nothing) would walk past them on its own requests, and its figures would grow with the length of the run.
        var honestPairs = 0;
        var honestToken = "";
        string honest()
        {
            if (honestPairs++ % PairsPerHonestWorker == 0) honestToken = "Bearer " + tokens.Labeler(string.Create(CultureInfo.InvariantCulture, $"skip-load-honest-{honestPairs / PairsPerHonestWorker}"));
            return honestToken;
        }

        var alone = await PacedAsync(load, honest, project, pairs, victimRate, project + "-alone", ct).ConfigureAwait(false);

        // The skipper takes and releases every item it is offered while the honest worker goes on at its pace.
        var skipper = tokens.Labeler("skip-load-skipper");
        var clock = Stopwatch.StartNew();
        var skipped = 0;
        (LatencySample Leases, LatencySample Votes) during;
        using (var skipping = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            var meanwhile = PacedAsync(load, honest, project, int.MaxValue, victimRate, project + "-during", ct, skipping.Token);
            while (await api.NextTaskAsync(skipper, project, ct).ConfigureAwait(false) is { } task)
            {
                await api.ReleaseAsync(skipper, task.LeaseId, ct).ConfigureAwait(false);
                if (++skipped % 1000 == 0) console.Error.WriteLine(Invariant($"note: {skipped} items skipped, {clock.Elapsed.TotalSeconds:F1} s"));
            }

            await skipping.CancelAsync().ConfigureAwait(false);
            during = await meanwhile.ConfigureAwait(false);
        }

        var skippingTime = clock.Elapsed.TotalSeconds;
        if (skipped < items - alone.Votes.Count - during.Votes.Count)
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"The skipper was offered {skipped} items of {items}."));

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var asked = new LatencySample();
        // Four loops, each at a quarter of the rate and a quarter of an interval apart, so a slow answer delays only its own loop.
        var askers = Enumerable.Range(0, Askers).Select(i => new LatencySample()).ToArray();
        var asking = Task.WhenAll(askers.Select((sample, i) => AskAsync(load, "Bearer " + skipper, project, rate / Askers, (double)i / Askers, sample, stop.Token)));
        var beside = await PacedAsync(load, honest, project, pairs, victimRate, project + "-beside", ct).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        await asking.ConfigureAwait(false);
        foreach (var sample in askers) asked.AddRange(sample);

        new FigureList()
            .Add("honest worker alone, lease", alone.Leases.Summary())
            .Add("honest worker alone, vote", alone.Votes.Summary())
            .Add("items skipped", Invariant($"{Figures.Count(skipped)} in {skippingTime:F1} s"))
            .Add("while they were skipped, lease", during.Leases.Summary())
            .Add("while they were skipped, vote", during.Votes.Summary())
            .Add(Invariant($"beside the skipper at {rate:0.#}/s, lease"), beside.Leases.Summary())
            .Add(Invariant($"beside the skipper at {rate:0.#}/s, vote"), beside.Votes.Summary())
            .Add("skipper's requests", Figures.Count(asked.Count) + ", " + asked.Summary())
            .WriteTo(console.Out);
        return ExitCodes.Success;
    }

    // The honest worker's pairs at the given pace, each request timed from when it was sent (one worker waits for its answers,
    // so a slow pair delays the next one's start, not its figures).
    private static async Task<(LatencySample Leases, LatencySample Votes)> PacedAsync(
        LoadClient load, Func<string> bearer, string project, int pairs, double perSecond, string keyPrefix, CancellationToken ct, CancellationToken until = default)
    {
        var leases = new LatencySample();
        var votes = new LatencySample();
        var start = Stopwatch.GetTimestamp();
        var interval = Stopwatch.Frequency / perSecond;
        for (var n = 0; n < pairs && !until.IsCancellationRequested; n++)
        {
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), start + (long)(n * interval));
            try
            {
                if (wait > TimeSpan.Zero) await Task.Delay(wait, until).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (until.IsCancellationRequested)
            {
                break;
            }

            var sent = Stopwatch.GetTimestamp();
            var worker = bearer();
            var lease = await load.NextLeaseAsync(worker, Uri.EscapeDataString(project), ct).ConfigureAwait(false)
                ?? throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"The honest worker got no task after {n} of {pairs} pairs."));
            leases.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            sent = Stopwatch.GetTimestamp();
            await load.VoteAsync(worker, Uri.EscapeDataString(lease), LoadProject.Labels[n % LoadProject.Labels.Count], string.Create(CultureInfo.InvariantCulture, $"{keyPrefix}-{n}"), ct).ConfigureAwait(false);
            votes.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
        }

        return (leases, votes);
    }

    // One loop of the skipper asking for a task at `rate` a second, starting `phase` of an interval late, until stopped; each
    // answer (204: it has seen every item) timed from its due time.
    private static async Task AskAsync(LoadClient load, string bearer, string project, double rate, double phase, LatencySample asked, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        var interval = Stopwatch.Frequency / rate;
        for (var n = 0L; !ct.IsCancellationRequested; n++)
        {
            var due = start + (long)((n + phase) * interval);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            try
            {
                if (wait > TimeSpan.Zero) await Task.Delay(wait, ct).ConfigureAwait(false);
                if (await load.NextLeaseAsync(bearer, Uri.EscapeDataString(project), ct).ConfigureAwait(false) is not null)
                    throw new InvalidOperationException("The skipper was offered an item after skipping them all.");
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }

            asked.Add(Stopwatch.GetElapsedTime(due).TotalMilliseconds);
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
