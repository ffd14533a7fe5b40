using System.Net;
using Labeling.Server.Tests.Support;

namespace Labeling.Server.Tests.Http;

/// <summary>One caller cannot flood the server, nor spend another caller's budget.</summary>
public sealed class RateLimitTests : IDisposable
{
    private readonly ServerFactory _server = new(new Dictionary<string, string?>
    {
        ["Labeling:CreateDemoProject"] = "false",
        ["Labeling:RequestsPerSecondPerCaller"] = "5",
    });

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Requests_OverTheCallersRate_Get429WithRetryAfterWhileOthersAreServed()
    {
        var flooder = _server.ClientAs("mallory", "Labeler");
        var other = _server.ClientAs("alice", "Labeler");

        var answers = new List<HttpResponseMessage>();
        for (var n = 0; n < 40; n++)
        {
            answers.Add(await flooder.GetAsync("/api/workers/me"));
        }

        var served = answers.Count(r => r.StatusCode == HttpStatusCode.OK);
        var refused = answers.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToArray();
        Assert.Equal(40, served + refused.Length);
        Assert.InRange(served, 10, 39);
        var problem = await refused[0].ExpectProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Contains("5 requests a second", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(1), refused[0].Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/api/workers/me")).StatusCode);
    }
}
