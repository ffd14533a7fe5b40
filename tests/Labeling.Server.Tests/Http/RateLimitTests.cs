using System.Diagnostics;
using System.Net;
using Labeling.Application.Http;
using Labeling.Server.Tests.Support;
using Labeling.TestSupport.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Labeling.Server.Tests.Http;

/// <summary>One caller cannot flood the server, nor spend another caller's budget.</summary>
public sealed class RateLimitTests : IDisposable
{
    private readonly LogCollector _logs = new();
    private readonly ServerFactory _server;

    public RateLimitTests()
    {
        _server = new ServerFactory(
            new Dictionary<string, string?>
            {
                ["Labeling:CreateDemoProject"] = "false",
                ["Labeling:RequestsPerSecondPerCaller"] = "5",
                [$"Logging:LogLevel:{typeof(RefusalLog).FullName}"] = "Information",
            },
            services: services => services.AddSingleton<ILoggerProvider>(_logs));
    }

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

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("Labeler", HttpStatusCode.Forbidden)]
    public async Task RefusedRequests_OverTheCallersRate_Get429Too(string? role, HttpStatusCode refusal)
    {
        // No token (counted by address) or the wrong role for an admin route (counted by subject): refusals are
        // cheap to send and each is logged, so they spend the caller's budget like any request.
        var flooder = role is null ? _server.CreateClient() : _server.ClientAs("mallory", role);

        var answers = new List<HttpStatusCode>();
        for (var n = 0; n < 40; n++)
        {
            answers.Add((await flooder.PostAsync("/api/projects/demo/refit", null)).StatusCode);
        }

        Assert.Equal(40, answers.Count(s => s == refusal) + answers.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.InRange(answers.Count(s => s == refusal), 10, 39);
    }

    [Fact]
    public async Task Flood_LeavesOneLogLineASecondPerCaller_CountingTheRest()
    {
        var flooder = _server.ClientAs("mallory", "Labeler");
        var clock = Stopwatch.StartNew();
        var refused = 0;
        for (var n = 0; n < 60; n++)
        {
            refused += (await flooder.GetAsync("/api/workers/me")).StatusCode == HttpStatusCode.TooManyRequests ? 1 : 0;
        }

        var seconds = (int)Math.Ceiling(clock.Elapsed.TotalSeconds);
        var lines = TooMany();
        Assert.InRange(refused, 30, 60);
        Assert.InRange(lines.Length, 1, seconds + 1);

        // The next second's first refusal says how many of the last second's went unlogged.
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        for (var n = 0; n < 20; n++)
        {
            await flooder.GetAsync("/api/workers/me");
        }

        var counted = TooMany().Skip(lines.Length).Select(r => r.State["Reason"] as string ?? "").ToArray();
        Assert.NotEmpty(counted);
        Assert.Matches(@"^Too many requests\. \(\d+ more from this caller since the last line, not logged\)$", counted[0]);

        LogCollector.LogRecord[] TooMany() => _logs.Records.Where(r => r.EventId.Id == 9003 && (int)r.State["Status"]! == 429).ToArray();
    }
}
