using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Labeling.Adapters.Local.Hosting;
using Labeling.Adapters.Local.Truth;
using Labeling.Application.Ports;
using Labeling.Application.Truth;
using Labeling.Domain.TruthInference;
using Labeling.Server.Tests.Support;
using Labeling.TestSupport;
using Labeling.TestSupport.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Labeling.Server.Tests.Http;

/// <summary>The batch re-fit on demand (<c>POST /api/projects/{id}/refit</c>, Admin) and on the local schedule.</summary>
public sealed class RefitEndpointTests : IAsyncLifetime
{
    private const string Project = "refits";
    private static readonly byte[] Csv = Encoding.UTF8.GetBytes("text\nI love this song\nthe chorus is amazing\nsubscribe to my channel\n");
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly ServerFactory _server;

    private readonly LogCollector _logs = new();

    public RefitEndpointTests()
    {
        _server = new ServerFactory(
            new Dictionary<string, string?>
            {
                ["Labeling:CreateDemoProject"] = "false",
                ["Refit:Interval"] = "00:10:00",
                [$"Logging:LogLevel:{typeof(ReliabilityRefit).FullName}"] = "Information",
                [$"Logging:LogLevel:{typeof(PeriodicRefitService).FullName}"] = "Information",
            },
            _time,
            services => services
                .AddSingleton<ILoggerProvider>(_logs)
                .AddSingleton<IReliabilityRefitStore>(sp => new HoldableRefitStore(ActivatorUtilities.CreateInstance<SqliteReliabilityRefitStore>(sp))));
    }

    private HoldableRefitStore Store => (HoldableRefitStore)_server.Services.GetRequiredService<IReliabilityRefitStore>();

    private HttpClient Admin => _server.ClientAs("root", "Admin");

    public async Task InitializeAsync()
    {
        await CreateProjectWithItemsAsync(Project);
        foreach (var worker in new[] { "alice", "bob" })
        {
            await VoteHamAsync(Project, worker);
        }
    }

    public Task DisposeAsync()
    {
        _server.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Refit_AsAdmin_Returns200WithTheSummaryAndStoresTheDriftReport()
    {
        var summary = await (await Admin.PostAsync($"/api/projects/{Project}/refit", null)).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(Project, summary["projectId"]!.GetValue<string>());
        Assert.Equal("default", summary["method"]!.GetValue<string>());
        Assert.Equal(1, summary["itemsInWindow"]!.GetValue<int>());
        Assert.Equal(2, summary["votesInWindow"]!.GetValue<int>());
        Assert.Equal(2, summary["labelers"]!.GetValue<int>());
        Assert.Equal(0, summary["revised"]!.GetValue<int>());
        Assert.Empty(summary["revisions"]!.AsArray());
        Assert.Equal(0, summary["reopenedSentToReview"]!.GetValue<int>());
        Assert.Equal(0, summary["crowdExhausted"]!.GetValue<int>());
        // The one item, two 'ham' votes, is still collecting: the mix it was read with has a share per label.
        var mix = summary["undecidedClassMix"]!.AsObject();
        Assert.Equal(1.0, mix.Sum(kv => kv.Value!.GetValue<double>()), 9);
        Assert.Equal(2, mix.Count);
        Assert.Single(Directory.GetFiles(Path.Combine(_server.DataDirectory, "reports", "drift", Project), "*.json"));
    }

    [Theory]
    [InlineData("Labeler")]
    [InlineData("Reviewer")]
    public async Task Refit_WithoutTheAdminRole_Returns403(string role)
    {
        var response = await _server.ClientAs("someone", role).PostAsync($"/api/projects/{Project}/refit", null);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.False(Directory.Exists(Path.Combine(_server.DataDirectory, "reports", "drift", Project)));
    }

    [Fact]
    public async Task Refit_UnknownProject_Returns404ProblemSayingHowToListProjects()
    {
        var problem = await (await Admin.PostAsync("/api/projects/nope/refit", null)).ExpectProblemAsync(HttpStatusCode.NotFound);

        Assert.Contains("GET /api/projects", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PeriodicRefit_IntervalPasses_ReFitsEveryProjectAndStoresAReport()
    {
        const string other = "refits-other";
        await CreateProjectWithItemsAsync(other);
        await VoteHamAsync(other, "carol");
        Assert.False(Directory.Exists(ReportsOf(Project)));
        Assert.False(Directory.Exists(ReportsOf(other)));

        _time.Advance(TimeSpan.FromMinutes(10));

        var report = await WaitForSingleReportAsync(Project);
        var otherReport = await WaitForSingleReportAsync(other);
        Assert.Equal(Project, report["projectId"]!.GetValue<string>());
        Assert.Equal(2, report["votesInWindow"]!.GetValue<int>());
        Assert.Equal(other, otherReport["projectId"]!.GetValue<string>());
        Assert.Equal(1, otherReport["votesInWindow"]!.GetValue<int>());
    }

    [Fact]
    public async Task Refit_WhileARefitOfTheProjectRuns_Returns409AndTheScheduleSkipsIt()
    {
        Store.Hold();
        var first = Admin.PostAsync($"/api/projects/{Project}/refit", null);
        LogCollector.LogRecord round;
        try
        {
            await Store.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30));

            // Without the guard the second waits for the project's lock, i.e. for the first, which is held: give it a while.
            var second = Admin.PostAsync($"/api/projects/{Project}/refit", null);
            Assert.True(await Task.WhenAny(second, Task.Delay(TimeSpan.FromSeconds(10))) == second, "The second re-fit waited behind the first instead of being refused.");
            var problem = await (await second).ExpectProblemAsync(HttpStatusCode.Conflict);
            Assert.Equal($"A re-fit of project '{Project}' is running; try again when it finishes. Its drift report and any revised labels will be there then.", problem["detail"]!.GetValue<string>());

            _time.Advance(TimeSpan.FromMinutes(10));
            round = await WaitForLogAsync(5202);
        }
        finally
        {
            Store.Release();
        }

        Assert.Equal(0, round.State["Projects"]);
        var skipped = Assert.Single(_logs.Records, r => r.EventId.Id == 6009);
        Assert.Equal(Project, skipped.State["ProjectId"]);
        await (await first).ExpectAsync(HttpStatusCode.OK);
        Assert.Single(Directory.GetFiles(ReportsOf(Project), "*.json"));

        // Once it has finished, the project can be re-fitted again.
        await (await Admin.PostAsync($"/api/projects/{Project}/refit", null)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, Directory.GetFiles(ReportsOf(Project), "*.json").Length);
    }

    private async Task<LogCollector.LogRecord> WaitForLogAsync(int eventId)
    {
        await Eventually.HoldsAsync(() => _logs.Records.Any(r => r.EventId.Id == eventId), TimeSpan.FromSeconds(20), $"No log event {eventId} after 20 s.");
        return _logs.Records.First(r => r.EventId.Id == eventId);
    }

    private string ReportsOf(string project) => Path.Combine(_server.DataDirectory, "reports", "drift", project);

    private async Task<JsonNode> WaitForSingleReportAsync(string project)
    {
        var reports = ReportsOf(project);
        await Eventually.HoldsAsync(
            () => Directory.Exists(reports) && Directory.GetFiles(reports, "*.json").Length == 1,
            TimeSpan.FromSeconds(20),
            $"No drift report for '{project}' appeared after the re-fit interval passed.");

        return JsonNode.Parse(await File.ReadAllTextAsync(Directory.GetFiles(reports, "*.json").Single()))!;
    }

    private async Task CreateProjectWithItemsAsync(string project)
    {
        await (await Admin.PostAsJsonAsync("/api/projects", new
        {
            id = project,
            labels = new[] { new { name = "spam", description = "promotion" }, new { name = "ham", description = "real comment" } },
        })).ExpectAsync(HttpStatusCode.Created);
        await (await Admin.PostAsync($"/api/projects/{project}/documents", Api.File("comments.csv", Csv))).ExpectAsync(HttpStatusCode.Created);
        await Api.WaitForWeakLabelingAsync(Admin, project, 3);
    }

    private async Task VoteHamAsync(string project, string worker)
    {
        var client = _server.ClientAs(worker, "Labeler");
        var task = await (await client.GetAsync($"/api/projects/{project}/tasks/next")).ExpectAsync(HttpStatusCode.OK);
        await (await client.VoteAsync(task["leaseId"]!.GetValue<string>(), new { label = "ham" })).ExpectAsync(HttpStatusCode.OK);
    }

    // The real store, whose drift-report write can be held: a re-fit that reaches it stays running until released.
    private sealed class HoldableRefitStore(IReliabilityRefitStore inner) : IReliabilityRefitStore
    {
        private volatile TaskCompletionSource? _release;

        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Hold() => _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _release?.TrySetResult();

        public Task ReplaceStatisticsAsync(string projectId, IReadOnlyList<LabelerStatisticsState> statistics, ClassCountsState classCounts, CancellationToken cancellationToken) =>
            inner.ReplaceStatisticsAsync(projectId, statistics, classCounts, cancellationToken);

        public async Task<string> SaveDriftReportAsync(DriftReport report, CancellationToken cancellationToken)
        {
            if (_release is { } release)
            {
                Reached.TrySetResult();
                await release.Task.WaitAsync(cancellationToken);
            }

            return await inner.SaveDriftReportAsync(report, cancellationToken);
        }
    }
}
