using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Labeling.Bench.Live;
using Labeling.Bench.Replay;
using Labeling.Bench.Reporting;
using Labeling.Bench.Terminal;

namespace Labeling.Bench.Load;

/// <summary>
/// The <c>http-load</c> command: votes per second through the HTTP API. A new project gets
/// <c>--votes</c> + <c>--warmup</c> one-line items; <c>--concurrency</c> workers, each with its own
/// Labeler token, loop lease (<c>GET tasks/next</c>) then vote (<c>POST tasks/{lease}/votes</c> with
/// an Idempotency-Key) with a seeded random label. Latencies of the two requests are kept apart;
/// the warm-up votes are not measured. By default each worker starts its next vote when its last one is answered (a
/// closed loop: the figures are as many votes as <c>--concurrency</c> round trips allow). With <c>--rate</c> the votes
/// arrive at that pace instead, whatever the answers (an open loop, <see cref="Pacer"/>), each taken by a free worker, and
/// a lease is timed from its vote's due time: that asks whether the server keeps a given rate within its latency. The
/// project does not retire workers (<see cref="LoadProject"/>); should a server retire one anyway, it stops and the others
/// cast its share, and the figures count it.
/// </summary>
internal static class HttpLoadCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(BenchConsole console)
    {
        var server = LiveOptions.Server();
        var tokenData = LiveOptions.TokenData();
        tokenData.Required = true;
        var votes = new Option<int>("--votes") { Description = "Measured votes (as many items are uploaded).", DefaultValueFactory = _ => 20_000 };
        var concurrency = new Option<int>("--concurrency") { Description = "Workers voting at once, each with its own token.", DefaultValueFactory = _ => 16 };
        var warmup = new Option<int>("--warmup") { Description = "Votes before the clock starts.", DefaultValueFactory = _ => 1_000 };
        var rate = new Option<double>("--rate") { Description = "Votes per second to offer (open loop); 0 for a closed loop of --concurrency workers. Give enough workers to keep the pace (about rate × the slowest round trip)." };
        var seed = new Option<int>("--seed") { Description = "Seed of the workers' labels.", DefaultValueFactory = _ => 1 };
        var command = new Command("http-load", "Votes per second and lease/vote latency percentiles through the live HTTP API.")
        {
            server, tokenData, votes, concurrency, warmup, rate, seed,
        };
        command.SetAction((parse, ct) => RunAsync(
            ServerAddress.Parse(parse.GetRequiredValue(server)), parse.GetRequiredValue(tokenData), parse.GetValue(votes),
            parse.GetValue(concurrency), parse.GetValue(warmup), parse.GetValue(rate), parse.GetValue(seed), console, ct));
        return command;
    }

    /// <summary>Sets up the project, runs the warm-up and the measured phase, prints the figures.</summary>
    public static async Task<int> RunAsync(Uri server, string tokenData, int votes, int concurrency, int warmup, double rate, int seed, BenchConsole console, CancellationToken ct)
    {
        if (rate < 0 || !double.IsFinite(rate)) throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--rate must be a number of votes per second, or 0 for a closed loop (got {rate})."));
        if (votes < 1) throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--votes must be at least 1 (got {votes})."));
        if (concurrency < 1) throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--concurrency must be at least 1 (got {concurrency})."));
        if (warmup < 0) throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--warmup must be 0 or more (got {warmup})."));
        var tokens = TokenMint.Create(tokenData, null, null);
        using var api = new LabelingApiClient(server);
        var admin = tokens.Admin();
        var project = await LoadProject.CreateAsync(api, admin, "http-load", ct).ConfigureAwait(false);
        await api.UploadAsync(admin, project, "items.csv", LoadProject.Document(project, votes + warmup), ct).ConfigureAwait(false);
        await ReplayProject.WaitForPoolAsync(api, admin, project, votes + warmup, ct).ConfigureAwait(false);
        console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"note: project {project}: {votes + warmup} items in the pool; {concurrency} workers, {warmup} warm-up votes")
            + (rate > 0 ? string.Create(CultureInfo.InvariantCulture, $", then {rate:0.##} votes/second offered.") : "."));

        using var load = new LoadClient(server, LoadProject.Labels);
        var workers = Enumerable.Range(0, concurrency).Select(w => new LoadWorker(load, project, tokens.Labeler(string.Create(CultureInfo.InvariantCulture, $"load-{project}-{w}")), seed + w)).ToArray();
        if (warmup > 0) await VoteAsync(workers, warmup, ct).ConfigureAwait(false);
        foreach (var worker in workers) worker.Reset();
        var clock = Stopwatch.StartNew();
        var cast = rate > 0 ? await VotePacedAsync(workers, votes, rate, ct).ConfigureAwait(false) : await VoteAsync(workers, votes, ct).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;

        var leases = new LatencySample();
        var posts = new LatencySample();
        var lags = new LatencySample();
        foreach (var worker in workers)
        {
            leases.AddRange(worker.Leases);
            posts.AddRange(worker.Votes);
            lags.AddRange(worker.StartLags);
        }
        var figures = new FigureList();
        if (rate > 0)
        {
            figures.Add("offered votes/second", rate.ToString("0.##", CultureInfo.InvariantCulture));
            if (cast / seconds < 0.98 * rate)
            {
                console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"note: {cast / seconds:0} votes/second against {rate:0.##} offered: the pace was not kept (see the start lag: a lag of many ms means too few workers or a generator short of CPU; else the server)."));
            }
        }
        figures
            .Add("votes", Figures.Count(cast))
            .Add("workers", Figures.Count(concurrency))
            .Add("seconds", seconds.ToString("F2", CultureInfo.InvariantCulture))
            .Add("votes/second", Figures.Count((long)(cast / seconds)))
            .Add("lease GET", leases.Summary())
            .Add("vote POST", posts.Summary());
        if (rate > 0)
        {
            figures.Add("start lag", lags.Summary());
        }
        figures
            .Add("no task (204)", Figures.Count(workers.Sum(w => w.Empty)))
            .Add("workers retired by the server", Figures.Count(workers.Count(w => w.Retired)))
            .WriteTo(console.Out);
        return ExitCodes.Success;
    }

    // The votes arrive at `rate` a second; whichever worker is free takes the next (Pacer).
    private static async Task<int> VotePacedAsync(LoadWorker[] workers, int count, double rate, CancellationToken ct)
    {
        var arrivals = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleWriter = true });
        var runs = workers.Select(w => w.RunPacedAsync(arrivals.Reader, ct)).ToArray();
        await Pacer.RunAsync(arrivals.Writer, count, rate, ct).ConfigureAwait(false);
        var cast = await Task.WhenAll(runs).ConfigureAwait(false);
        return cast.Sum();
    }

    // Workers draw from one shared quota so that exactly `count` votes are cast.
    private static async Task<int> VoteAsync(LoadWorker[] workers, int count, CancellationToken ct)
    {
        var quota = new Quota(count);
        var cast = await Task.WhenAll(workers.Select(w => w.RunAsync(quota, ct))).ConfigureAwait(false);
        return cast.Sum();
    }
}
