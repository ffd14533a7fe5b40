using System.CommandLine;
using Labeling.Bench.Live;
using Labeling.Bench.Terminal;

namespace Labeling.Bench.Replay;

/// <summary>The <c>replay</c> command line: recorded workers against a live server, accuracy and votes used.</summary>
internal static class ReplayCommand
{
    /// <summary>Builds the command; its action runs a <see cref="ReplayBenchmark"/>.</summary>
    public static Command Create(BenchConsole console)
    {
        var data = new Option<string[]>("--data")
        {
            Description = "Data set folders, each with answers.csv (item,worker,label) and truth.csv (item,label).",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
            Arity = ArgumentArity.OneOrMore,
        };
        var server = LiveOptions.Server();
        var tokenData = LiveOptions.TokenData();
        var adminToken = new Option<string>("--admin-token") { Description = "An Admin token to create projects and upload with, instead of a minted one." };
        var reviewerToken = new Option<string>("--reviewer-token") { Description = "A Reviewer token to read progress and export with, instead of a minted one." };
        var format = new Option<string>("--format") { Description = "Output: table or csv (dataset,accuracy,votes_used,votes_recorded,items).", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "csv");
        var target = new Option<double?>("--target-confidence") { Description = "The projects' routing.crowdTarget. Default: the server's default (no routing sent)." };
        var minVotes = new Option<int?>("--min-votes") { Description = "The projects' routing.minCrowdVotes. Default: the server's default." };
        var maxVotes = new Option<int?>("--max-votes") { Description = "The projects' routing.maxCrowdVotes. Default: the server's default." };
        var retire = new Option<bool?>("--retire-uninformative-workers") { Description = "The projects' routing.retireUninformativeWorkers (true or false). Default: the server's default." };
        var retirementVotes = new Option<int?>("--retirement-votes") { Description = "The projects' routing.retirementVotes. Default: the server's default." };
        var recheck = new Option<string?>("--recheck-target") { Description = "The projects' routing.recheckTarget: a probability, or off for no re-check. Default: the server's default." };
        var concurrency = new Option<int>("--concurrency") { Description = "Most workers leasing and voting at once.", DefaultValueFactory = _ => 12 };
        var runs = new Option<int>("--runs")
        {
            Description = "Replay each data set this many times, each on a new project; with more than one, a summary per data set follows: the spread of accuracy, and the runs within 1 point of batch DS on all recorded votes with at least 30 % of the votes saved.",
            DefaultValueFactory = _ => 1,
        };
        var calibration = new Option<bool>("--calibration")
        {
            Description = "After the results, a calibration report per replay: the final labels' confidences against truth.csv (mean confidence and accuracy by how items were labeled, a reliability table in confidence bins, the expected calibration error). On stdout after the table; with --format csv on stderr, each line starting 'calibration: ', so the CSV stays as it is.",
        };

        var command = new Command("replay", "Play each data set's recorded workers against a live server; print accuracy against truth.csv and votes used.")
        {
            data, server, tokenData, adminToken, reviewerToken, format, target, minVotes, maxVotes, retire, retirementVotes, recheck, concurrency, runs, calibration,
        };
        command.SetAction((parse, ct) =>
        {
            var settings = new ReplaySettings(
                parse.GetRequiredValue(data),
                ServerAddress.Parse(parse.GetRequiredValue(server)),
                parse.GetValue(tokenData),
                parse.GetValue(adminToken),
                parse.GetValue(reviewerToken),
                parse.GetRequiredValue(format),
                parse.GetValue(target),
                parse.GetValue(minVotes),
                parse.GetValue(maxVotes),
                parse.GetValue(retire),
                parse.GetValue(retirementVotes),
                parse.GetValue(concurrency))
            {
                RecheckTarget = parse.GetValue(recheck),
                Runs = parse.GetValue(runs),
                Calibration = parse.GetValue(calibration),
            };
            return new ReplayBenchmark(settings, console, TimeProvider.System).RunAsync(ct);
        });
        return command;
    }
}
