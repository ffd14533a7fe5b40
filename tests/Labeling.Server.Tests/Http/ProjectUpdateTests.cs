using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Labeling.Application.Projects;
using Labeling.Server.Tests.Support;
using Labeling.TestSupport.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Labeling.Server.Tests.Http;

/// <summary>
/// <c>PATCH /api/projects/{id}</c> (Admin): a JSON merge patch of a project's name, instructions, label descriptions, routing
/// and text column, with the project's version as its ETag; labels, task kind and rules stay fixed.
/// </summary>
public sealed class ProjectUpdateTests : IDisposable
{
    private readonly LogCollector _logs = new();
    private readonly ServerFactory _server;

    public ProjectUpdateTests()
    {
        _server = new ServerFactory(
            new Dictionary<string, string?>
            {
                ["Labeling:CreateDemoProject"] = "false",
                [$"Logging:LogLevel:{typeof(ProjectService).FullName}"] = "Information",
                [$"Logging:LogLevel:{typeof(Application.Crowd.SpentBudgetSweep).FullName}"] = "Information",
            },
            services: services => services.AddSingleton<ILoggerProvider>(_logs));
    }

    public void Dispose() => _server.Dispose();

    private HttpClient Admin => _server.ClientAs("root", "Admin");

    [Fact]
    public async Task Patch_MaxCrowdVotes_TheNextVoteOfAnOpenItemIsRoutedByTheNewVersion()
    {
        // Two projects alike, each with one item and one vote already on it (so each model is loaded at version 1); only
        // one is changed. The second vote ends the changed project's item (2 votes are now its most), not the other's.
        foreach (var id in new[] { "changed", "control" })
        {
            await CreateAsync(id, new { crowdTarget = 0.9999, maxCrowdVotes = 10 });
            await UploadAsync(id, "text\nfirst comment\n", 1);
            await VoteAsync(id, "alice", "ham");
        }

        var patched = await (await PatchAsync("changed", new { routing = new { maxCrowdVotes = 2 } })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, patched["version"]!.GetValue<int>());
        Assert.Equal(2, patched["routing"]!["maxCrowdVotes"]!.GetValue<int>());
        Assert.Equal(0.9999, patched["routing"]!["crowdTarget"]!.GetValue<double>());

        await VoteAsync("changed", "bob", "ham");
        await VoteAsync("control", "bob", "ham");

        Assert.Equal(1, (await ProgressAsync("changed"))["byState"]!["needs-review"]!.GetValue<int>());
        Assert.Equal(1, (await ProgressAsync("control"))["byState"]!["collecting"]!.GetValue<int>());
    }

    [Fact]
    public async Task Patch_InstructionsAndADescription_AreInTheNextLease_AndGetGivesTheNewVersionAsETag()
    {
        await CreateAsync("texts", null);
        await UploadAsync("texts", "text\nfirst comment\nsecond comment\n", 2);
        var before = await Admin.GetAsync("/api/projects/texts");
        Assert.Equal("\"1\"", before.Headers.ETag?.Tag);

        var response = await PatchAsync("texts", new { instructions = "Spam sells something.", labels = new[] { new { name = "ham", description = "a real comment on the video" } } });
        var patched = await response.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("\"2\"", response.Headers.ETag?.Tag);
        Assert.Equal("texts", patched["name"]!.GetValue<string>());

        var task = await (await _server.ClientAs("alice", "Labeler").GetAsync("/api/projects/texts/tasks/next")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Spam sells something.", task["instructions"]!.GetValue<string>());
        Assert.Equal(["promotion", "a real comment on the video"], task["labels"]!.AsArray().Select(l => l!["description"]!.GetValue<string>()));
        Assert.Equal("\"2\"", (await Admin.GetAsync("/api/projects/texts")).Headers.ETag?.Tag);

        var change = Assert.Single(_logs.Records, r => r.EventId.Id == 4401);
        Assert.Equal(LogLevel.Information, change.Level);
        Assert.Equal("root", change.State["Caller"]);
        Assert.Equal("instructions, labels[ham].description", change.State["Fields"]);

        // Settings are logged with the value before and after, for an audit.
        await (await PatchAsync("texts", new { name = "Texts", routing = new { voteBudget = 300, maxCrowdVotes = 6 } })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(
            "name 'texts' → 'Texts', routing.maxCrowdVotes 10 → 6, routing.voteBudget unset → 300",
            _logs.Records.Last(r => r.EventId.Id == 4401).State["Fields"]);
    }

    [Fact]
    public async Task Patch_NullInRouting_RestoresTheDefault_AndARecheckTargetThatFollowedFollowsTheNewCrowdTarget()
    {
        await CreateAsync("budget", new { voteBudget = 100 });
        await CreateAsync("pinned", new { recheckTarget = 0.995 });

        var budget = await (await PatchAsync("budget", new JsonObject { ["routing"] = new JsonObject { ["voteBudget"] = null, ["crowdTarget"] = 0.8 } })).ExpectAsync(HttpStatusCode.OK);
        var pinned = await (await PatchAsync("pinned", new { routing = new { crowdTarget = 0.8 } })).ExpectAsync(HttpStatusCode.OK);

        Assert.Null(budget["routing"]!["voteBudget"]);
        Assert.Equal(0.9333, budget["routing"]!["recheckTarget"]!.GetValue<double>());
        Assert.Equal(0.995, pinned["routing"]!["recheckTarget"]!.GetValue<double>());
        Assert.Null((await ProgressAsync("budget"))["voteBudget"]);
    }

    [Fact]
    public async Task Patch_RaisingASpentBudget_SendsTheItemsItSentToReviewBackToThePool_ButNotAResolvedOne()
    {
        await CreateAsync("raise", new { voteBudget = 2, crowdTarget = 0.9999 });
        await UploadAsync("raise", "text\nfirst comment\nsecond comment\nthird comment\n", 3);
        await VoteAsync("raise", "alice", "ham");
        await VoteAsync("raise", "bob", "ham");
        var carol = _server.ClientAs("carol", "Labeler");
        var none = await carol.GetAsync("/api/projects/raise/tasks/next");
        Assert.Equal(HttpStatusCode.NoContent, none.StatusCode);
        Assert.Equal("budget-spent", Assert.Single(none.Headers.GetValues("Labeling-No-Task")));
        Assert.Equal(3, (await ProgressAsync("raise"))["byState"]!["needs-review"]!.GetValue<int>());
        var items = (await (await Admin.GetAsync("/api/projects/raise/items?state=needs-review")).ExpectAsync(HttpStatusCode.OK)).AsArray();
        var resolved = items.Select(i => i!["id"]!.GetValue<string>()).First();
        await (await Admin.PostAsJsonAsync($"/api/projects/raise/items/{resolved}/resolution", new { label = "spam" })).ExpectAsync(HttpStatusCode.OK);

        // Lowered, the budget is still spent: nothing moves.
        await (await PatchAsync("raise", new { routing = new { voteBudget = 1 } })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, (await ProgressAsync("raise"))["byState"]!["needs-review"]!.GetValue<int>());

        await (await PatchAsync("raise", new { routing = new { voteBudget = 10 } })).ExpectAsync(HttpStatusCode.OK);

        var progress = await ProgressAsync("raise");
        Assert.Equal((2, 1, 0), (progress["byState"]!["collecting"]!.GetValue<int>(), progress["byState"]!["decided"]!.GetValue<int>(), progress["byState"]!["needs-review"]!.GetValue<int>()));
        Assert.Equal(8, progress["budgetRemaining"]!.GetValue<int>());
        var task = await (await carol.GetAsync("/api/projects/raise/tasks/next")).ExpectAsync(HttpStatusCode.OK);
        Assert.NotEqual(resolved, task["itemId"]!.GetValue<string>());
        var item = await (await Admin.GetAsync($"/api/projects/raise/items/{task["itemId"]!.GetValue<string>()}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains("raised to 10 in project version 3", item["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Single(_logs.Records, r => r.EventId.Id == 4005);
    }

    [Fact]
    public async Task Patch_RemovingABudgetSpentAtIngestion_SendsEveryPageOfItsReviewBack_AndLetsVotesThroughMeanwhile()
    {
        // A budget of 0 is spent before any vote: weak labeling sends every item to review. More than one page of them (200).
        await CreateAsync("pages", new { voteBudget = 0 });
        await UploadAsync("pages", "text\n" + string.Concat(Enumerable.Range(0, 450).Select(i => $"comment number {i}\n")), 450);
        Assert.Equal(450, (await ProgressAsync("pages"))["byState"]!["needs-review"]!.GetValue<int>());

        await (await PatchAsync("pages", new JsonObject { ["routing"] = new JsonObject { ["voteBudget"] = null } })).ExpectAsync(HttpStatusCode.OK);

        var progress = await ProgressAsync("pages");
        Assert.Equal((450, 0), (progress["byState"]!["collecting"]!.GetValue<int>(), progress["byState"]!["needs-review"]!.GetValue<int>()));
        Assert.Contains("has no vote budget now; 450 items", Assert.Single(_logs.Records, r => r.EventId.Id == 4006).Message, StringComparison.Ordinal);
        var item = (await (await Admin.GetAsync("/api/projects/pages/items?state=collecting&limit=1")).ExpectAsync(HttpStatusCode.OK)).AsArray().Single()!;
        Assert.Contains("removed in project version 2", item["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        await VoteAsync("pages", "alice", "ham");
    }

    [Fact]
    public async Task Patch_TheSameValues_ChangesNothing_AndKeepsTheVersion()
    {
        await CreateAsync("same", new { maxCrowdVotes = 7 });

        var same = await (await PatchAsync("same", new { name = "same", routing = new { maxCrowdVotes = 7 } })).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(1, same["version"]!.GetValue<int>());
        Assert.DoesNotContain(_logs.Records, r => r.EventId.Id == 4401);
    }

    [Fact]
    public async Task Patch_IfMatch_StaleIs412_CurrentAndStarAreTaken_MalformedIs400()
    {
        await CreateAsync("versions", null);
        await (await PatchAsync("versions", new { name = "Second" }, "\"1\"")).ExpectAsync(HttpStatusCode.OK);

        var stale = await (await PatchAsync("versions", new { name = "Lost" }, "\"1\"")).ExpectProblemAsync(HttpStatusCode.PreconditionFailed);
        Assert.Contains("version 2, not 1", stale["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        await (await PatchAsync("versions", new { name = "Lost" }, "\"9\"")).ExpectProblemAsync(HttpStatusCode.PreconditionFailed);
        var malformed = await (await PatchAsync("versions", new { name = "Lost" }, "2")).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(malformed["errors"]!.AsObject().ContainsKey("If-Match"));
        Assert.Equal("Second", (await (await Admin.GetAsync("/api/projects/versions")).ExpectAsync(HttpStatusCode.OK))["name"]!.GetValue<string>());

        // Compared strongly (RFC 9110): a weak tag never matches, nor a tag the API does not give; a list matches any of its tags.
        await (await PatchAsync("versions", new { name = "Lost" }, "W/\"2\"")).ExpectProblemAsync(HttpStatusCode.PreconditionFailed);
        var notGiven = await (await PatchAsync("versions", new { name = "Lost" }, "\"02\"")).ExpectProblemAsync(HttpStatusCode.PreconditionFailed);
        Assert.Equal(2, notGiven["version"]!.GetValue<int>());
        await (await PatchAsync("versions", new { name = "Third" }, "\"1\", \"2\"")).ExpectAsync(HttpStatusCode.OK);
        var any = await (await PatchAsync("versions", new { name = "Fourth" }, "*")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(("Fourth", 4), (any["name"]!.GetValue<string>(), any["version"]!.GetValue<int>()));

        // A labeler's view has no version: it would move with changes of routing the view does not show.
        var labeler = await _server.ClientAs("alice", "Labeler").GetAsync("/api/projects/versions");
        await labeler.ExpectAsync(HttpStatusCode.OK);
        Assert.Null(labeler.Headers.ETag);
    }

    [Fact]
    public async Task Patch_FixedOrUnknownFields_Are400KeyedByField_AndChangeNothing()
    {
        await CreateAsync("fixed", null);

        var fixedFields = await (await PatchAsync("fixed", new
        {
            id = "other",
            taskKind = "single-label",
            rules = Array.Empty<object>(),
            labels = new[] { new { name = "eggs", description = "new" } },
        })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        var errors = fixedFields["errors"]!.AsObject();
        Assert.Equal(["id", "labels[0].name", "rules", "taskKind"], errors.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Contains("reliability", errors["rules"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("spam, ham", errors["labels[0].name"]![0]!.GetValue<string>(), StringComparison.Ordinal);

        var routing = await (await PatchAsync("fixed", new JsonObject
        {
            ["routing"] = new JsonObject { ["crowdTargte"] = 0.9, ["maxCrowdVotes"] = "ten" },
        })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("not a routing setting", routing["errors"]!["routing.crowdTargte"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("maxCrowdVotes", routing["errors"]!["routing"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(routing["errors"]!.AsObject().ContainsKey("routing.maxCrowdVotes"));

        var invalid = await (await PatchAsync("fixed", new { routing = new { crowdTarget = 1.5 }, name = "" })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(invalid["errors"]!.AsObject().ContainsKey("routing.crowdTarget"));

        // The shape GET answers with: told where instructions and labels go, and that the version goes in If-Match.
        var shape = await (await PatchAsync("fixed", new { schema = new { instructions = "x" }, version = 1 })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("top level", shape["errors"]!["schema"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("If-Match", shape["errors"]!["version"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        var unknown = await (await PatchAsync("fixed", new { instruction = "x" })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("instruction", unknown.ToJsonString(), StringComparison.Ordinal);

        // A setting given twice, exactly or in another case, is refused like any duplicate property (it was a 500).
        foreach (var twice in new[] { "{\"routing\":{\"voteBudget\":1000,\"voteBudget\":2000}}", "{\"routing\":{\"voteBudget\":1000,\"VoteBudget\":2000}}" })
        {
            var request = new HttpRequestMessage(HttpMethod.Patch, "/api/projects/fixed") { Content = new StringContent(twice, Encoding.UTF8, "application/json") };
            await (await Admin.SendAsync(request)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        }

        // Made-up names are reported up to twenty, with the settings listed once (70,000 of them made a 44 MB answer).
        var many = new JsonObject();
        for (var i = 0; i < 500; i++)
        {
            many[$"k{i}"] = 0;
        }

        var flood = await (await PatchAsync("fixed", new JsonObject { ["routing"] = many })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(21, flood["errors"]!.AsObject().Count);
        Assert.Contains("500 names are not routing settings", flood["errors"]!["routing"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(flood.ToJsonString().Length < 10_000, $"{flood.ToJsonString().Length} characters");

        // Names and text columns are text a person reads: no control characters or bidirectional overrides, and not a page long.
        var text = await (await PatchAsync("fixed", new { name = "a\u202eb", textColumn = new string('c', 201) })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["name", "textColumn"], text["errors"]!.AsObject().Select(e => e.Key).Order(StringComparer.Ordinal));

        // The same id is not a change of it.
        var same = await (await PatchAsync("fixed", new { id = "fixed", name = "Fixed" })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, same["version"]!.GetValue<int>());
    }

    [Fact]
    public async Task Patch_ByAReviewerOrLabeler_Is403_UnknownProjectIs404_EmptyBodyIs400()
    {
        await CreateAsync("roles", null);
        foreach (var role in new[] { "Reviewer", "Labeler" })
        {
            var request = new HttpRequestMessage(HttpMethod.Patch, "/api/projects/roles") { Content = JsonContent.Create(new { name = "x" }) };
            await (await _server.ClientAs("someone", role).SendAsync(request)).ExpectProblemAsync(HttpStatusCode.Forbidden);
        }

        await (await PatchAsync("nope", new { name = "x" })).ExpectProblemAsync(HttpStatusCode.NotFound);
        var empty = new HttpRequestMessage(HttpMethod.Patch, "/api/projects/roles") { Content = new StringContent("", Encoding.UTF8, "application/json") };
        await (await Admin.SendAsync(empty)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(1, (await (await Admin.GetAsync("/api/projects/roles")).ExpectAsync(HttpStatusCode.OK))["version"]!.GetValue<int>());
    }

    [Fact]
    public async Task Patch_AsMergePatchJson_IsTaken()
    {
        await CreateAsync("merge", null);
        var patched = await (await PatchRawAsync("merge", "{\"routing\":{\"voteBudget\":20000}}", "application/merge-patch+json")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(20000, patched["routing"]!["voteBudget"]!.GetValue<long>());
    }

    [Fact]
    public async Task Patch_AsJsonPatch_Is415SayingAMergePatchIsTaken_AndChangesNothing()
    {
        // A JSON Patch (RFC 6902) is a list of operations; it was read as a body of the wrong type, a 400 that did not say why.
        await CreateAsync("jsonpatch", null);
        var jsonPatch = "[{\"op\":\"replace\",\"path\":\"/routing/voteBudget\",\"value\":100}]";

        var problem = await (await PatchRawAsync("jsonpatch", jsonPatch, "application/json-patch+json")).ExpectProblemAsync(HttpStatusCode.UnsupportedMediaType);

        Assert.Contains("merge patch", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("application/merge-patch+json", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        var project = await (await Admin.GetAsync("/api/projects/jsonpatch")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, project["version"]!.GetValue<int>());
    }

    private async Task CreateAsync(string id, object? routing) =>
        await (await Admin.PostAsJsonAsync("/api/projects", new
        {
            id,
            labels = new[] { new { name = "spam", description = "promotion" }, new { name = "ham", description = "real comment" } },
            routing = routing ?? new { },
        })).ExpectAsync(HttpStatusCode.Created);

    private async Task UploadAsync(string id, string csv, int items)
    {
        await (await Admin.PostAsync($"/api/projects/{id}/documents", Api.File("comments.csv", Encoding.UTF8.GetBytes(csv)))).ExpectAsync(HttpStatusCode.Created);
        await Api.WaitForWeakLabelingAsync(Admin, id, items);
    }

    private async Task VoteAsync(string id, string worker, string label)
    {
        var client = _server.ClientAs(worker, "Labeler");
        var task = await (await client.GetAsync($"/api/projects/{id}/tasks/next")).ExpectAsync(HttpStatusCode.OK);
        await (await client.VoteAsync(task["leaseId"]!.GetValue<string>(), new { label })).ExpectAsync(HttpStatusCode.OK);
    }

    private async Task<JsonNode> ProgressAsync(string id) =>
        await (await Admin.GetAsync($"/api/projects/{id}/progress")).ExpectAsync(HttpStatusCode.OK);

    // A body as written, with its media type.
    private Task<HttpResponseMessage> PatchRawAsync(string id, string body, string mediaType) =>
        Admin.SendAsync(new HttpRequestMessage(HttpMethod.Patch, $"/api/projects/{id}") { Content = new StringContent(body, Encoding.UTF8, mediaType) });

    private Task<HttpResponseMessage> PatchAsync(string id, object body, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/projects/{id}") { Content = JsonContent.Create(body) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return Admin.SendAsync(request);
    }
}
