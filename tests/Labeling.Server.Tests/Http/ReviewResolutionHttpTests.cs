using System.Net;
using System.Net.Http.Json;
using System.Text;
using Labeling.Application.Review;
using Labeling.Server.Tests.Support;
using Labeling.TestSupport.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Labeling.Server.Tests.Http;

/// <summary>
/// <c>POST /api/projects/{id}/items/{itemId}/resolution</c> over HTTP: only a Reviewer (or Admin) may decide an item in
/// review, not one who voted on it, and the decision is logged.
/// </summary>
public sealed class ReviewResolutionHttpTests : IAsyncLifetime
{
    private const string Project = "review";
    private readonly LogCollector _logs = new();
    private readonly ServerFactory _server;
    private string _itemId = "";

    public ReviewResolutionHttpTests()
    {
        _server = new ServerFactory(
            new Dictionary<string, string?>
            {
                ["Labeling:CreateDemoProject"] = "false",
                [$"Logging:LogLevel:{typeof(ReviewResolution).FullName}"] = "Information",
            },
            services: services => services.AddSingleton<ILoggerProvider>(_logs));
    }

    private HttpClient Admin => _server.ClientAs("root", "Admin");

    public async Task InitializeAsync()
    {
        // Two crowd votes at most and a target no two disagreeing strangers reach: alice's and bob's votes send the item to review.
        var created = await Admin.PostAsJsonAsync("/api/projects", new
        {
            id = Project,
            labels = new[] { new { name = "spam", description = "promotion" }, new { name = "ham", description = "real comment" } },
            routing = new { minCrowdVotes = 2, maxCrowdVotes = 2, crowdTarget = 0.99 },
        });
        await created.ExpectAsync(HttpStatusCode.Created);
        await (await Admin.PostAsync($"/api/projects/{Project}/documents", Api.File("one.csv", Encoding.UTF8.GetBytes("text\nis this a promotion or not\n")))).ExpectAsync(HttpStatusCode.Created);
        await Api.WaitForWeakLabelingAsync(Admin, Project, 1);
        foreach (var (worker, label) in new[] { ("alice", "spam"), ("bob", "ham") })
        {
            var client = _server.ClientAs(worker, "Labeler");
            var task = await (await client.GetAsync($"/api/projects/{Project}/tasks/next")).ExpectAsync(HttpStatusCode.OK);
            _itemId = task["itemId"]!.GetValue<string>();
            await (await client.VoteAsync(task["leaseId"]!.GetValue<string>(), new { label })).ExpectAsync(HttpStatusCode.OK);
        }

        var item = await (await Admin.GetAsync($"/api/projects/{Project}/items/{_itemId}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("needs-review", item["state"]!.GetValue<string>());
    }

    public Task DisposeAsync()
    {
        _server.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Resolution_ByALabeler_Is403NamingTheRole_AndTheItemStaysInReview()
    {
        var problem = await (await _server.ClientAs("carol", "Labeler").PostAsJsonAsync(Route, new { label = "spam" })).ExpectProblemAsync(HttpStatusCode.Forbidden);

        Assert.Contains("Reviewer", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        await AssertInReviewAsync();
    }

    [Fact]
    public async Task Resolution_ByAReviewerWhoVotedOnTheItem_Is403_AndTheItemStaysInReview()
    {
        var problem = await (await _server.ClientAs("bob", "Labeler", "Reviewer").PostAsJsonAsync(Route, new { label = "ham" })).ExpectProblemAsync(HttpStatusCode.Forbidden);

        Assert.StartsWith($"You voted on item '{_itemId}' as a crowd worker", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        await AssertInReviewAsync();
    }

    [Fact]
    public async Task Resolution_WithoutABody_Is400ShowingOne()
    {
        var problem = await (await _server.ClientAs("rita", "Reviewer").PostAsync(Route, new StringContent("", Encoding.UTF8, "application/json"))).ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains("{\"label\":\"spam\"}", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        await AssertInReviewAsync();
    }

    [Fact]
    public async Task Resolution_ByAReviewer_DecidesTheItemNamingThem_LogsIt_AndASecondOneIs409()
    {
        var rita = _server.ClientAs("rita", "Reviewer");

        var item = await (await rita.PostAsJsonAsync(Route, new { label = "ham" })).ExpectAsync(HttpStatusCode.OK);
        var again = await (await _server.ClientAs("root", "Admin").PostAsJsonAsync(Route, new { label = "spam" })).ExpectProblemAsync(HttpStatusCode.Conflict);

        Assert.Equal("decided", item["state"]!.GetValue<string>());
        Assert.Equal("ham", item["label"]!.GetValue<string>());
        Assert.Equal("Resolved by reviewer 'rita'.", item["reason"]!.GetValue<string>());
        Assert.Contains("only items in needs-review can be resolved", again["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        var logged = Assert.Single(_logs.Records, r => r.EventId.Id == 4301);
        Assert.Equal("rita", logged.State["Reviewer"]);
        Assert.Equal(_itemId, logged.State["ItemId"]);
    }

    private string Route => $"/api/projects/{Project}/items/{_itemId}/resolution";

    private async Task AssertInReviewAsync()
    {
        var item = await (await Admin.GetAsync($"/api/projects/{Project}/items/{_itemId}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("needs-review", item["state"]!.GetValue<string>());
        Assert.DoesNotContain(_logs.Records, r => r.EventId.Id == 4301);
    }
}
