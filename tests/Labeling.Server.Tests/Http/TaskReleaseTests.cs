using System.Net;
using System.Net.Http.Json;
using System.Text;
using Labeling.Server.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Labeling.Server.Tests.Http;

/// <summary>A worker can skip a task; a skipped or expired task goes to others and never back to them.</summary>
public sealed class TaskReleaseTests : IAsyncLifetime
{
    private const string Project = "skips";
    private static readonly byte[] Csv = Encoding.UTF8.GetBytes("text\nI love this song\nthe chorus is amazing\n");
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly ServerFactory _server;

    public TaskReleaseTests()
    {
        _server = new ServerFactory(new Dictionary<string, string?> { ["Labeling:CreateDemoProject"] = "false" }, _time);
    }

    private HttpClient Admin => _server.ClientAs("root", "Admin");

    public async Task InitializeAsync()
    {
        await (await Admin.PostAsJsonAsync("/api/projects", new
        {
            id = Project,
            labels = new[] { new { name = "spam", description = "promotion" }, new { name = "ham", description = "real comment" } },
        })).ExpectAsync(HttpStatusCode.Created);
        await (await Admin.PostAsync($"/api/projects/{Project}/documents", Api.File("comments.csv", Csv))).ExpectAsync(HttpStatusCode.Created);
        await Api.WaitForWeakLabelingAsync(Admin, Project, 2);
    }

    public Task DisposeAsync()
    {
        _server.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Release_OwnLease_Returns204AndTheItemGoesToOthersButNotBack()
    {
        var alice = _server.ClientAs("alice", "Labeler");
        var (lease, skipped) = await TakeAsync(alice);

        await (await alice.PostAsync($"/api/tasks/{lease}/release", null)).ExpectAsync(HttpStatusCode.NoContent);
        await (await alice.PostAsync($"/api/tasks/{lease}/release", null)).ExpectAsync(HttpStatusCode.NoContent);

        var (_, next) = await TakeAsync(alice);
        Assert.NotEqual(skipped, next);
        var (_, bobs) = await TakeAsync(_server.ClientAs("bob", "Labeler"));
        Assert.Equal(skipped, bobs);
    }

    [Fact]
    public async Task NextTask_AllRemainingItemsSkipped_Returns204()
    {
        var alice = _server.ClientAs("alice", "Labeler");
        for (var i = 0; i < 2; i++)
        {
            var (lease, _) = await TakeAsync(alice);
            await (await alice.PostAsync($"/api/tasks/{lease}/release", null)).ExpectAsync(HttpStatusCode.NoContent);
        }

        var none = await alice.GetAsync($"/api/projects/{Project}/tasks/next");
        await none.ExpectAsync(HttpStatusCode.NoContent);
        // It says why, and that asking again will not help; a worker another holds the items for is told to come back.
        Assert.Equal("all-answered", Assert.Single(none.Headers.GetValues("Labeling-No-Task")));
        Assert.Null(none.Headers.RetryAfter);
        var (held, _) = await TakeAsync(_server.ClientAs("bob", "Labeler"));
        var (other, _) = await TakeAsync(_server.ClientAs("carol", "Labeler"));
        Assert.NotEqual(held, other);
        var wait = await _server.ClientAs("dave", "Labeler").GetAsync($"/api/projects/{Project}/tasks/next");
        await wait.ExpectAsync(HttpStatusCode.NoContent);
        Assert.Equal("all-leased", Assert.Single(wait.Headers.GetValues("Labeling-No-Task")));
        Assert.Equal(TimeSpan.FromSeconds(15), wait.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task NextTask_AfterOwnLeaseExpired_OffersAnotherItem()
    {
        var alice = _server.ClientAs("alice", "Labeler");
        var (_, expired) = await TakeAsync(alice);
        _time.Advance(TimeSpan.FromMinutes(6));

        var (_, next) = await TakeAsync(alice);

        Assert.NotEqual(expired, next);
    }

    [Fact]
    public async Task Release_SomeoneElsesLease_Returns403AndKeepsTheLease()
    {
        var alice = _server.ClientAs("alice", "Labeler");
        var (lease, _) = await TakeAsync(alice);

        var problem = await (await _server.ClientAs("bob", "Labeler").PostAsync($"/api/tasks/{lease}/release", null)).ExpectProblemAsync(HttpStatusCode.Forbidden);

        Assert.Contains("another worker", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        await (await alice.VoteAsync(lease, new { label = "ham" })).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Release_AfterVote_Returns409()
    {
        var alice = _server.ClientAs("alice", "Labeler");
        var (lease, _) = await TakeAsync(alice);
        await (await alice.VoteAsync(lease, new { label = "ham" })).ExpectAsync(HttpStatusCode.OK);

        var problem = await (await alice.PostAsync($"/api/tasks/{lease}/release", null)).ExpectProblemAsync(HttpStatusCode.Conflict);

        Assert.Contains("used for a vote", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Release_AfterExpiry_Returns409()
    {
        var alice = _server.ClientAs("alice", "Labeler");
        var (lease, _) = await TakeAsync(alice);
        _time.Advance(TimeSpan.FromMinutes(6));

        var problem = await (await alice.PostAsync($"/api/tasks/{lease}/release", null)).ExpectProblemAsync(HttpStatusCode.Conflict);

        Assert.Contains("expired", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Vote_AfterRelease_Returns409AndRecordsNoVote()
    {
        var alice = _server.ClientAs("alice", "Labeler");
        var (lease, item) = await TakeAsync(alice);
        await (await alice.PostAsync($"/api/tasks/{lease}/release", null)).ExpectAsync(HttpStatusCode.NoContent);

        var problem = await (await alice.VoteAsync(lease, new { label = "ham" })).ExpectProblemAsync(HttpStatusCode.Conflict);

        Assert.Contains("released", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        var view = await (await Admin.GetAsync($"/api/projects/{Project}/items/{item}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Empty(view["votes"]!.AsArray());
    }

    [Fact]
    public async Task Release_UnknownLease_Returns404()
    {
        await (await _server.ClientAs("alice", "Labeler").PostAsync("/api/tasks/lse_nope/release", null)).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    private static async Task<(string LeaseId, string ItemId)> TakeAsync(HttpClient worker)
    {
        var task = await (await worker.GetAsync($"/api/projects/{Project}/tasks/next")).ExpectAsync(HttpStatusCode.OK);
        return (task["leaseId"]!.GetValue<string>(), task["itemId"]!.GetValue<string>());
    }
}
