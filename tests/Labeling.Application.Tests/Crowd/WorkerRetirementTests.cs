using System.Globalization;
using System.Text;
using Labeling.Application.Crowd;
using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Application.Tests.UseCases;
using Labeling.Domain.Projects;
using Labeling.Domain.Routing;

namespace Labeling.Application.Tests.Crowd;

/// <summary>
/// Seeded crowds against the real use cases on SQLite: items "item N" are spam when N is even; perfect
/// workers answer the truth, coin flippers answer at random.
/// </summary>
public sealed class WorkerRetirementTests : IDisposable
{
    private const string ProjectId = "retire";
    private const int Items = 200;
    private static readonly string[] NinePerfect = Enumerable.Range(1, 9).Select(n => $"worker:p{n}").ToArray();
    private readonly LabelingHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Theory]
    [InlineData(10.0)]
    [InlineData(2.0)] // a small doubt: the model's prior strength (10) is still the evidence needed
    public async Task Next_CoinFlipperAmongPerfectWorkers_IsRetiredWithTheFiguresAndTheOthersFinishThePool(double doubt)
    {
        await SeedAsync(new RoutingSettings { ReliabilityDoubt = doubt });

        var run = await RunCrowdAsync(NinePerfect, ["worker:z"]);

        var retired = Assert.Single(run.Retired);
        Assert.Equal("worker:z", retired.Key);
        var problem = retired.Value;
        Assert.Equal(403, problem.StatusCode);
        Assert.Equal(WorkerRetiredException.Reason, problem.Extensions["reason"]);
        Assert.True((double)problem.Extensions["evidence"]! >= 10, $"retired on {problem.Extensions["evidence"]} answers of evidence");
        Assert.Equal(7, problem.Extensions["votesPerItem"]);
        Assert.True(10 * (double)problem.Extensions["informationPerVoteBits"]! < (double)problem.Extensions["informationNeededBits"]!);
        Assert.Contains("routing.retireUninformativeWorkers", problem.Message, StringComparison.Ordinal);
        var fewest = NinePerfect.Min(w => run.Votes[w]);
        Assert.True(run.Votes["worker:z"] < fewest, $"the coin flipper cast {run.Votes["worker:z"]} votes, a perfect worker as few as {fewest}");
        Assert.Equal(0, await CollectingAsync());
    }

    [Theory]
    [InlineData(false, 10.0)]
    [InlineData(true, 0.0)] // no doubt, as on the demo project: nobody is judged, so nobody is retired
    public async Task Next_RetirementTurnedOff_CoinFlipperKeepsGettingTasksUntilThePoolIsEmpty(bool retire, double doubt)
    {
        await SeedAsync(new RoutingSettings { RetireUninformativeWorkers = retire, ReliabilityDoubt = doubt });

        var run = await RunCrowdAsync(NinePerfect, ["worker:z"]);

        Assert.Empty(run.Retired);
        var fewest = NinePerfect.Min(w => run.Votes[w]);
        Assert.True(run.Votes["worker:z"] >= 0.8 * fewest, $"the coin flipper cast {run.Votes["worker:z"]} votes, a perfect worker as few as {fewest}");
        Assert.Equal(0, await CollectingAsync());
    }

    [Fact]
    public async Task Next_EveryWorkerFlipsCoins_NobodyIsRetiredAndEveryItemEndsDecidedOrInReview()
    {
        // Three votes at most, so three coin flippers can fill every item.
        await SeedAsync(new RoutingSettings { MinCrowdVotes = 2, MaxCrowdVotes = 3 });

        var run = await RunCrowdAsync([], ["worker:x", "worker:y", "worker:z"]);

        Assert.Empty(run.Retired);
        Assert.Equal(0, await CollectingAsync());
    }

    [Fact]
    public async Task Next_SixteenCoinFlippers_NoneReadsInformative_SoNobodyIsRetired()
    {
        // The http-load shape: sixteen guessers at the default routing. Every worker, peers included, is
        // read from held-out posteriors, so none may vouch for itself and lift the guard for the others:
        // nobody is retired and every item still ends decided or in review.
        await SeedAsync(new RoutingSettings());

        var run = await RunCrowdAsync([], [.. Enumerable.Range(1, 16).Select(n => $"worker:g{n}")]);

        Assert.Empty(run.Retired);
        Assert.Equal(0, await CollectingAsync());
    }

    [Fact]
    public async Task Next_GoodWorkerWhoAnswersMostlyUnsure_IsRetiredOnItsAnswersWhileTheSameWorkerLabelingEverythingIsNot()
    {
        // Both are right 85 % of the time when they label (0.39 bits a vote: seven votes hold 2.7 bits of the 1 needed). The
        // hedger answers unsure 70 % of the time, so seven of its answers hold about 7 · 0.3 · 0.39 = 0.8 bits; the rule for
        // workers who mostly answer unsure (more than 6 in 7) does not apply to it.
        await SeedAsync(new RoutingSettings());
        string? Labels(bool spam, Random random) => (random.NextDouble() < 0.85) == spam ? "spam" : "ham";

        var run = await RunCrowdAsync([
            .. NinePerfect.Select(w => (w, (Func<bool, Random, string?>)((spam, _) => spam ? "spam" : "ham"))),
            ("worker:steady", Labels),
            ("worker:hedger", (spam, random) => random.NextDouble() < 0.7 ? null : Labels(spam, random)),
        ]);

        var problem = Assert.Single(run.Retired, r => r.Key == "worker:hedger").Value;
        Assert.DoesNotContain("worker:steady", run.Retired.Keys);
        Assert.InRange((double)problem.Extensions["labeledShare"]!, 0.15, 0.45);
        Assert.True(7 * (double)problem.Extensions["informationPerVoteBits"]! >= 1, "its labels alone would keep it");
        Assert.Contains("of its answers were \"unsure\", which carry none", problem.Message, StringComparison.Ordinal);
        Assert.Equal(0, await CollectingAsync());
    }

    [Fact]
    public async Task ProjectStore_RetirementTurnedOff_IsReadBackOff()
    {
        await SeedAsync(new RoutingSettings { RetireUninformativeWorkers = false });

        var stored = await _harness.Get<IProjectStore>().GetAsync(ProjectId, CancellationToken.None);

        Assert.False(stored!.Routing.RetireUninformativeWorkers);
    }

    private async Task SeedAsync(RoutingSettings routing)
    {
        await _harness.CreateProjectAsync(new Project(
            ProjectId,
            "Retirement",
            new LabelSchema(TaskKind.SingleLabel, [new("spam", "promotion"), new("ham", "real")], "Is it spam?"),
            [],
            routing,
            null,
            DateTimeOffset.UnixEpoch));
        var csv = new StringBuilder("text\n");
        for (var n = 0; n < Items; n++) csv.Append(CultureInfo.InvariantCulture, $"item {n}\n");
        await _harness.IngestAsync(ProjectId, "items.csv", csv.ToString());
        await _harness.DrainQueueAsync();
    }

    // Workers take turns asking for a task and answering it until none gets one; a retired worker stops.
    private Task<CrowdRun> RunCrowdAsync(string[] perfect, string[] coinFlippers) =>
        RunCrowdAsync(perfect.Select(w => (w, (Func<bool, Random, string?>)((spam, _) => spam ? "spam" : "ham")))
            .Concat(coinFlippers.Select(w => (w, (Func<bool, Random, string?>)((_, random) => random.Next(2) == 0 ? "spam" : "ham"))))
            .ToArray());

    // The same with each worker's answer to an item (spam or not) given by its function: a label, or null for "unsure".
    private async Task<CrowdRun> RunCrowdAsync((string Worker, Func<bool, Random, string?> Answer)[] workers)
    {
        var leasing = _harness.Get<TaskLeasing>();
        var voting = _harness.Get<VoteRecording>();
        var random = new Random(7);
        var active = workers.Select(w => w.Worker).ToList();
        var answers = workers.ToDictionary(w => w.Worker, w => w.Answer);
        var run = new CrowdRun(active.ToDictionary(w => w, _ => 0), []);
        for (var progress = true; progress;)
        {
            progress = false;
            foreach (var worker in active.ToArray())
            {
                TaskAssignment? task;
                try
                {
                    task = await leasing.NextAsync(ProjectId, worker, CancellationToken.None);
                }
                catch (WorkerRetiredException e)
                {
                    run.Retired[worker] = e;
                    active.Remove(worker);
                    continue;
                }

                if (task is null)
                {
                    continue;
                }

                var spam = int.Parse(task.Text.Split(' ')[1], CultureInfo.InvariantCulture) % 2 == 0;
                var says = answers[worker](spam, random);
                await voting.SubmitAsync(task.LeaseId, worker, says is null ? new VoteRequest(null, Unsure: true) : new VoteRequest(says), null, CancellationToken.None);
                run.Votes[worker]++;
                progress = true;
            }
        }

        return run;
    }

    private Task<long> CollectingAsync() =>
        _harness.ScalarAsync($"SELECT COUNT(*) FROM items WHERE project_id = '{ProjectId}' AND state = 'collecting'");

    private sealed record CrowdRun(Dictionary<string, int> Votes, Dictionary<string, WorkerRetiredException> Retired);
}
