using System.Net;
using System.Net.Http.Json;
using System.Text;
using Labeling.Server.Tests.Support;

namespace Labeling.Server.Tests.Http;

/// <summary>
/// A worker who has skipped more items than the store walks past on its writer's turn (SqliteLeaseStore.FarWalkReleases, after
/// which its next items are found on a read connection, from where its last search ended) still gets every item it has not
/// seen, once each, and is told when none is left.
/// </summary>
public sealed class SkippedPoolTests : IDisposable
{
    private const int Items = 300;
    private readonly ServerFactory _server = new(new Dictionary<string, string?> { ["Labeling:CreateDemoProject"] = "false" });

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task NextTask_AfterSkippingHundredsOfItems_StillOffersTheOnesNotSeen_ThenSaysAllAnswered()
    {
        var admin = _server.ClientAs("root", "Admin");
        await (await admin.PostAsJsonAsync("/api/projects", new { id = "skips", labels = new[] { new { name = "spam" }, new { name = "ham" } } }))
            .ExpectAsync(HttpStatusCode.Created);
        var csv = "text\n" + string.Join("\n", Enumerable.Range(0, Items).Select(i => $"comment number {i}"));
        await (await admin.PostAsync("/api/projects/skips/documents", Api.File("c.csv", Encoding.UTF8.GetBytes(csv)))).ExpectAsync(HttpStatusCode.Created);
        await Api.WaitForWeakLabelingAsync(admin, "skips", Items);
        var mallory = _server.ClientAs("mallory", "Labeler");

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Items; i++)
        {
            var task = await (await mallory.GetAsync("/api/projects/skips/tasks/next")).ExpectAsync(HttpStatusCode.OK);
            Assert.True(seen.Add(task["itemId"]!.GetValue<string>()), $"item offered twice after {i} skips");
            var lease = task["leaseId"]!.GetValue<string>();
            if (i == Items - 1)
            {
                await (await mallory.VoteAsync(lease, new { label = "spam" })).ExpectAsync(HttpStatusCode.OK);
            }
            else
            {
                await (await mallory.PostAsync($"/api/tasks/{lease}/release", null)).ExpectAsync(HttpStatusCode.NoContent);
            }
        }

        var none = await mallory.GetAsync("/api/projects/skips/tasks/next");
        Assert.Equal(HttpStatusCode.NoContent, none.StatusCode);
        Assert.Equal("all-answered", none.Headers.GetValues("Labeling-No-Task").Single());
        // Another worker is not held up by them: its first task is the front of the pool.
        await (await _server.ClientAs("victim", "Labeler").GetAsync("/api/projects/skips/tasks/next")).ExpectAsync(HttpStatusCode.OK);
    }
}
