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

        var clock = Stopwatch.StartNew();
        var answers = new List<HttpResponseMessage>();
        for (var n = 0; n < 40; n++)
        {
            answers.Add(await flooder.GetAsync("/api/workers/me"));
        }

        var elapsed = clock.Elapsed;
        var served = answers.Count(r => r.StatusCode == HttpStatusCode.OK);
        var refused = answers.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToArray();
        Assert.Equal(40, served + refused.Length);
        // A burst of twice the rate, then the rate: 5 more at each refill, once a second.
        Assert.InRange(served, 10, MostServed(elapsed));
        var problem = await refused[0].ExpectProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Contains("5 requests a second", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(1), refused[0].Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/api/workers/me")).StatusCode);

        // The budget comes back: a second later the flooder is served again, at the rate.
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        clock.Restart();
        var after = 0;
        for (var n = 0; n < 40; n++)
        {
            after += (await flooder.GetAsync("/api/workers/me")).StatusCode == HttpStatusCode.OK ? 1 : 0;
        }

        Assert.InRange(after, 5, MostServed(clock.Elapsed + TimeSpan.FromSeconds(1.2)));
    }

    // Most a caller at 5 a second (bursts of 10) can be served in a window of this length: the burst, and 5 at every refill in it.
    private static int MostServed(TimeSpan window) => 10 + (5 * (int)Math.Ceiling(window.TotalSeconds));

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

        var elapsed = clock.Elapsed;
        var seconds = (int)Math.Ceiling(elapsed.TotalSeconds);
        var lines = TooMany();
        // The burst, then the rate: at least 30 refused when the sixty took up to 4 s, fewer on a machine slow enough to
        // take longer (where a fixed 30 would fail).
        Assert.InRange(60 - refused, 10, MostServed(elapsed));
        Assert.InRange(lines.Length, 1, seconds + 1);

        // More refusals, until the last one went unlogged: the log takes the first refusal of each clock second, so ten
        // sent at once whose last was the first of a new second left nothing unlogged to count, and the line below said
        // only "Too many requests." (a chance of one request's time in a second, more on a busy machine). The next
        // second's first refusal says how many went unlogged.
        for (var n = 0; ; n++)
        {
            Assert.True(n < 100, "every one of 100 refusals in a row was logged");
            var linesBefore = TooMany().Length;
            if ((await flooder.GetAsync("/api/workers/me")).StatusCode == HttpStatusCode.TooManyRequests && TooMany().Length == linesBefore)
            {
                break;
            }
        }

        var before = TooMany().Length;
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        for (var n = 0; TooMany().Length == before; n++)
        {
            // The bucket refilled during the wait (ten at most): the requests it serves come first.
            Assert.True(n < 100, "no refusal was logged after the wait");
            await flooder.GetAsync("/api/workers/me");
        }

        var counted = TooMany().Skip(before).Select(r => r.State["Reason"] as string ?? "").ToArray();
        Assert.Matches(@"^Too many requests\. \(\d+ more from this caller since the last line, not logged\)$", counted[0]);

        LogCollector.LogRecord[] TooMany() => _logs.Records.Where(r => r.EventId.Id == 9003 && (int)r.State["Status"]! == 429).ToArray();
    }
}
