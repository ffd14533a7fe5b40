using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Labeling.Server.Tests.Support;

namespace Labeling.Server.Tests.Http;

/// <summary>Two projects may hold the same text; their items, votes and events stay apart.</summary>
public sealed class ItemIdentityTests : IDisposable
{
    private static readonly byte[] Csv = Encoding.UTF8.GetBytes("text\nCheck out my channel for free gift cards\n");
    private readonly ServerFactory _server = new(new Dictionary<string, string?> { ["Labeling:CreateDemoProject"] = "false" });

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Vote_SameTextIngestedByTwoProjects_DecidesTheItemInBothProjects()
    {
        var admin = _server.ClientAs("root", "Admin");
        var alice = _server.ClientAs("alice", "Labeler");
        var bob = _server.ClientAs("bob", "Labeler");
        var itemIds = new List<string>();

        foreach (var project in new[] { "shop-a", "shop-b" })
        {
            await (await admin.PostAsJsonAsync("/api/projects", new
            {
                id = project,
                labels = new[] { new { name = "spam", description = "promotion" }, new { name = "ham", description = "real comment" } },
                routing = new { minCrowdVotes = 2, maxCrowdVotes = 2, crowdTarget = 0.6 },
            })).ExpectAsync(HttpStatusCode.Created);
            await (await admin.PostAsync($"/api/projects/{project}/documents", Api.File("comments.csv", Csv))).ExpectAsync(HttpStatusCode.Created);
            await Api.WaitForWeakLabelingAsync(admin, project, 1);

            string? itemId = null;
            JsonNode? decision = null;
            foreach (var worker in new[] { alice, bob })
            {
                var task = await (await worker.GetAsync($"/api/projects/{project}/tasks/next")).ExpectAsync(HttpStatusCode.OK);
                itemId = task["itemId"]!.GetValue<string>();
                decision = await (await worker.VoteAsync(task["leaseId"]!.GetValue<string>(), new { label = "spam" })).ExpectAsync(HttpStatusCode.OK);
            }

            Assert.Equal("decided", decision!["state"]!.GetValue<string>());
            itemIds.Add(itemId!);
        }

        Assert.NotEqual(itemIds[0], itemIds[1]);
        foreach (var (project, itemId) in new[] { ("shop-a", itemIds[0]), ("shop-b", itemIds[1]) })
        {
            var item = await (await admin.GetAsync($"/api/projects/{project}/items/{itemId}")).ExpectAsync(HttpStatusCode.OK);
            Assert.Equal("decided", item["state"]!.GetValue<string>());
        }
    }
}
