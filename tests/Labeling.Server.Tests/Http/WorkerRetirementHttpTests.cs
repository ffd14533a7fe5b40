using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Labeling.Server.Tests.Support;

namespace Labeling.Server.Tests.Http;

/// <summary>
/// Over HTTP: a worker whose answers are coin flips, among nine who are always right, is told with a
/// 403 problem why no task comes; the routing setting is accepted, stored and shown.
/// </summary>
public sealed class WorkerRetirementHttpTests : IDisposable
{
    private const int Items = 200;
    private readonly ServerFactory _server = new(new Dictionary<string, string?> { ["Labeling:CreateDemoProject"] = "false" });

    private HttpClient Admin => _server.ClientAs("root", "Admin");

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task NextTask_CoinFlipperAmongPerfectWorkers_Gets403WithTheReasonAndFiguresWhileOthersGoOn()
    {
        await CreateAsync("retire", retire: null);
        var perfect = Enumerable.Range(1, 9).Select(n => _server.ClientAs($"p{n}", "Labeler")).ToArray();
        var coin = _server.ClientAs("z", "Labeler");
        var random = new Random(7);
        System.Text.Json.Nodes.JsonNode? refusal = null;
        var active = perfect.Append(coin).ToList();
        for (var progress = true; progress;)
        {
            progress = false;
            foreach (var worker in active.ToArray())
            {
                var response = await worker.GetAsync("/api/projects/retire/tasks/next");
                if (response.StatusCode == HttpStatusCode.Forbidden)
                {
                    Assert.Same(coin, worker);
                    refusal = await response.ExpectProblemAsync(HttpStatusCode.Forbidden);
                    active.Remove(worker);
                    continue;
                }

                if (response.StatusCode == HttpStatusCode.NoContent)
                {
                    continue;
                }

                var task = await response.ExpectAsync(HttpStatusCode.OK);
                var spam = int.Parse(task["text"]!.GetValue<string>().Split(' ')[1], CultureInfo.InvariantCulture) % 2 == 0;
                var says = worker == coin ? random.Next(2) == 0 : spam;
                await (await worker.VoteAsync(task["leaseId"]!.GetValue<string>(), new { label = says ? "spam" : "ham" })).ExpectAsync(HttpStatusCode.OK);
                progress = true;
            }
        }

        Assert.NotNull(refusal);
        Assert.Equal("worker-retired", refusal["reason"]!.GetValue<string>());
        Assert.Equal("worker:z", refusal["worker"]!.GetValue<string>());
        Assert.True(refusal["evidence"]!.GetValue<double>() >= 10);
        Assert.True(10 * refusal["informationPerVoteBits"]!.GetValue<double>() < refusal["informationNeededBits"]!.GetValue<double>());
        Assert.Contains("routing.retirementVotes", refusal["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        // The worker's own view says so too; a perfect worker's does not.
        var coinView = await (await coin.GetAsync("/api/workers/me")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(coinView["projects"]![0]!["retired"]!.GetValue<bool>());
        var perfectView = await (await perfect[0].GetAsync("/api/workers/me")).ExpectAsync(HttpStatusCode.OK);
        Assert.False(perfectView["projects"]![0]!["retired"]!.GetValue<bool>());
        var progressNow = await (await Admin.GetAsync("/api/projects/retire/progress")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, progressNow["byState"]!["collecting"]!.GetValue<int>());
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData(false, false)]
    public async Task CreateProject_RetireUninformativeWorkers_IsStoredAndShown(bool? sent, bool shown)
    {
        await CreateAsync("shown", sent);

        var project = await (await Admin.GetAsync("/api/projects/shown")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(shown, project["routing"]!["retireUninformativeWorkers"]!.GetValue<bool>());
    }

    private async Task CreateAsync(string id, bool? retire)
    {
        object routing = retire is { } r ? new { retireUninformativeWorkers = r } : new { };
        await (await Admin.PostAsJsonAsync("/api/projects", new
        {
            id,
            labels = new[] { new { name = "spam", description = "promotion" }, new { name = "ham", description = "real comment" } },
            routing,
        })).ExpectAsync(HttpStatusCode.Created);
        var csv = new StringBuilder("text\n");
        for (var n = 0; n < Items; n++) csv.Append(CultureInfo.InvariantCulture, $"item {n}\n");
        await (await Admin.PostAsync($"/api/projects/{id}/documents", Api.File("items.csv", Encoding.UTF8.GetBytes(csv.ToString())))).ExpectAsync(HttpStatusCode.Created);
        await Api.WaitForWeakLabelingAsync(Admin, id, Items);
    }
}
