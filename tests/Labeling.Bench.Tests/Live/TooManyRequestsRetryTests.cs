using System.Net;
using System.Net.Http.Headers;
using Labeling.Bench.Live;

namespace Labeling.Bench.Tests.Live;

public sealed class TooManyRequestsRetryTests
{
    [Fact]
    public async Task Send_TwoRefusalsThenOk_SendsThreeTimesAndReturnsTheOk()
    {
        var server = new Scripted(HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests, HttpStatusCode.OK);
        using var client = new HttpClient(new TooManyRequestsRetry(TimeProvider.System) { InnerHandler = server });

        using var response = await client.PostAsync("http://bench.test/api/x", new StringContent("{\"label\":\"spam\"}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, server.Sent);
        // The body goes with every send, not only the first.
        Assert.All(server.Bodies, b => Assert.Equal("{\"label\":\"spam\"}", b));
    }

    [Fact]
    public async Task Send_RefusedEveryTime_GivesUpAfterMaxAttemptsWithThe429()
    {
        var server = new Scripted(Enumerable.Repeat(HttpStatusCode.TooManyRequests, 100).ToArray());
        using var client = new HttpClient(new TooManyRequestsRetry(TimeProvider.System) { InnerHandler = server });

        using var response = await client.GetAsync("http://bench.test/api/x");

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TooManyRequestsRetry.MaxAttempts, server.Sent);
    }

    [Fact]
    public async Task Send_OtherErrors_AreNotRetried()
    {
        var server = new Scripted(HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK);
        using var client = new HttpClient(new TooManyRequestsRetry(TimeProvider.System) { InnerHandler = server });

        using var response = await client.GetAsync("http://bench.test/api/x");

        Assert.Equal((HttpStatusCode.ServiceUnavailable, 1), (response.StatusCode, server.Sent));
    }

    [Fact]
    public async Task Send_WaitsLongerInAllThanOneSendMay_StillSucceeds()
    {
        // Two waits of a second each; every send answers at once, so the 300 ms per send are never reached.
        var server = new Scripted(TimeSpan.FromSeconds(1), HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests, HttpStatusCode.OK);
        using var client = new HttpClient(new TooManyRequestsRetry(TimeProvider.System, TimeSpan.FromMilliseconds(300)) { InnerHandler = server })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };

        using var response = await client.GetAsync("http://bench.test/api/x");

        Assert.Equal((HttpStatusCode.OK, 3), (response.StatusCode, server.Sent));
    }

    [Fact]
    public async Task Send_NoAnswerWithinTheAttemptTimeout_FailsWithATimeoutNamingTheRequest()
    {
        using var client = new HttpClient(new TooManyRequestsRetry(TimeProvider.System, TimeSpan.FromMilliseconds(200)) { InnerHandler = new Silent() })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };

        var error = await Assert.ThrowsAsync<TimeoutException>(() => client.GetAsync("http://bench.test/api/tasks/next"));

        Assert.Contains("GET http://bench.test/api/tasks/next had no answer within 0.2 s (send 1)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_CallerCancels_IsACancellationNotATimeout()
    {
        using var client = new HttpClient(new TooManyRequestsRetry(TimeProvider.System, TimeSpan.FromMinutes(1)) { InnerHandler = new Silent() })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetAsync("http://bench.test/api/x", cancel.Token));
    }

    [Fact]
    public void Wait_FollowsRetryAfterWithinZeroAndAMinute()
    {
        var now = new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal(TimeSpan.FromSeconds(2), TooManyRequestsRetry.Wait(new RetryConditionHeaderValue(TimeSpan.FromSeconds(2)), now));
        Assert.Equal(TimeSpan.FromSeconds(5), TooManyRequestsRetry.Wait(new RetryConditionHeaderValue(now.AddSeconds(5)), now));
        Assert.Equal(TimeSpan.Zero, TooManyRequestsRetry.Wait(new RetryConditionHeaderValue(now.AddSeconds(-5)), now));
        Assert.Equal(TimeSpan.FromMinutes(1), TooManyRequestsRetry.Wait(new RetryConditionHeaderValue(TimeSpan.FromHours(1)), now));
        Assert.Equal(TimeSpan.FromSeconds(1), TooManyRequestsRetry.Wait(null, now));
    }

    // Never answers: the send waits until it is cancelled.
    private sealed class Silent : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }

    // Answers with the scripted statuses in turn (429s with the given Retry-After, 0 unless said), recording each request body.
    private sealed class Scripted(TimeSpan retryAfter, params HttpStatusCode[] statuses) : HttpMessageHandler
    {
        public Scripted(params HttpStatusCode[] statuses)
            : this(TimeSpan.Zero, statuses)
        {
        }

        public int Sent { get; private set; }

        public List<string> Bodies { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Content is not null) Bodies.Add(await request.Content.ReadAsStringAsync(cancellationToken));
            var response = new HttpResponseMessage(statuses[Sent++]);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) response.Headers.RetryAfter = new RetryConditionHeaderValue(retryAfter);
            return response;
        }
    }
}
