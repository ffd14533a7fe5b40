using System.Diagnostics;
using System.Net;
using System.Text;
using Labeling.Application.Problems;
using Labeling.Bench.Load;
using System.Threading.Channels;

namespace Labeling.Bench.Tests.Load;

public sealed class LoadWorkerTests
{
    private static readonly Uri Server = new("http://bench.test/");

    [Fact]
    public async Task Run_RetiredOnItsThirdLease_StopsAndGivesTheVoteBackToTheOthers()
    {
        var server = new Scripted(retireAfter: 2);
        using var client = new LoadClient(Server, LoadProject.Labels, server);
        var worker = new LoadWorker(client, "p", "token", seed: 1);
        var quota = new Quota(5);

        var cast = await worker.RunAsync(quota, CancellationToken.None);

        Assert.Equal((2, true, 3), (cast, worker.Retired, quota.Left));
        Assert.Equal((2, 3), (worker.Votes.Count, server.Leases));
        // A retired worker asks no more.
        Assert.Equal(0, await worker.RunAsync(quota, CancellationToken.None));
        Assert.Equal((3, 3), (quota.Left, server.Leases));
    }

    [Fact]
    public async Task Run_AnotherForbidden_IsAnErrorNotARetirement()
    {
        var server = new Scripted(retireAfter: 0, title: "Forbidden");
        using var client = new LoadClient(Server, LoadProject.Labels, server);
        var worker = new LoadWorker(client, "p", "token", seed: 1);

        var error = await Assert.ThrowsAsync<Labeling.Bench.Live.ApiException>(() => worker.RunAsync(new Quota(5), CancellationToken.None));

        Assert.Equal(HttpStatusCode.Forbidden, error.Status);
        Assert.False(worker.Retired);
    }

    [Fact]
    public async Task Run_NoTaskLeft_StopsAndGivesTheVoteBack()
    {
        var server = new Scripted(retireAfter: 1, empty: true);
        using var client = new LoadClient(Server, LoadProject.Labels, server);
        var worker = new LoadWorker(client, "p", "token", seed: 1);
        var quota = new Quota(3);

        Assert.Equal(1, await worker.RunAsync(quota, CancellationToken.None));
        Assert.Equal((1, false, 2), (worker.Empty, worker.Retired, quota.Left));
    }

    [Fact]
    public async Task RunPaced_CastsOneVoteForEachArrivalAndTimesTheLeaseFromItsDueTime()
    {
        var server = new Scripted(retireAfter: 10);
        using var client = new LoadClient(Server, LoadProject.Labels, server);
        var worker = new LoadWorker(client, "p", "token", seed: 1);
        var arrivals = Channel.CreateUnbounded<long>();
        // Due 50 ms ago: the lease's latency counts that wait.
        var due = Stopwatch.GetTimestamp() - Stopwatch.Frequency / 20;
        for (var i = 0; i < 3; i++) arrivals.Writer.TryWrite(due);
        arrivals.Writer.Complete();

        var cast = await worker.RunPacedAsync(arrivals.Reader, CancellationToken.None);

        Assert.Equal((3, 3, 3, 3), (cast, worker.Leases.Count, worker.Votes.Count, worker.StartLags.Count));
        Assert.True(worker.StartLags.Percentile(0) >= 50, worker.StartLags.Summary());
        Assert.True(worker.Leases.Percentile(0) >= 50, worker.Leases.Summary());
    }

    [Fact]
    public async Task RunPaced_NoTaskLeft_StopsAndLeavesTheOtherArrivalsToTheOthers()
    {
        var server = new Scripted(retireAfter: 1, empty: true);
        using var client = new LoadClient(Server, LoadProject.Labels, server);
        var worker = new LoadWorker(client, "p", "token", seed: 1);
        var arrivals = Channel.CreateUnbounded<long>();
        for (var i = 0; i < 4; i++) arrivals.Writer.TryWrite(Stopwatch.GetTimestamp());

        Assert.Equal(1, await worker.RunPacedAsync(arrivals.Reader, CancellationToken.None));
        Assert.Equal((1, 2), (worker.Empty, arrivals.Reader.Count));
    }

    [Fact]
    public async Task Pacer_WritesEachArrivalNoEarlierThanItIsDueAtTheRateAndThenCompletes()
    {
        var arrivals = Channel.CreateUnbounded<long>();
        var start = Stopwatch.GetTimestamp();
        var pacing = Pacer.RunAsync(arrivals.Writer, count: 40, perSecond: 400, CancellationToken.None);
        var read = new List<(long Due, long At)>();
        await foreach (var due in arrivals.Reader.ReadAllAsync())
        {
            read.Add((due, Stopwatch.GetTimestamp()));
        }
        await pacing;

        Assert.Equal(40, read.Count);
        Assert.All(read, r => Assert.True(r.At >= r.Due));
        var interval = Stopwatch.Frequency / 400.0;
        Assert.True(read[0].Due >= start);
        for (var i = 1; i < read.Count; i++)
        {
            Assert.InRange(read[i].Due - read[0].Due, (long)(i * interval) - 1, (long)(i * interval) + 1);
        }
        // The last of 40 at 400 a second is due 97.5 ms after the first: the arrivals were spread, not written at once.
        Assert.True(Stopwatch.GetElapsedTime(start).TotalMilliseconds >= 97);
    }

    [Fact]
    public void Quota_TakenByMoreThanItHolds_NeverGoesBelowZeroAndAReturnedVoteCanBeTakenAgain()
    {
        var quota = new Quota(2);
        var taken = Enumerable.Range(0, 10).Count(_ => quota.TryTake());
        Assert.Equal((2, 0), (taken, quota.Left));

        quota.Return();

        Assert.True(quota.TryTake());
        Assert.False(quota.TryTake());
    }

    // Leases tasks until `retireAfter` leases were answered, then refuses with 403 (the retirement problem unless
    // another title is given) or 204 when `empty`; every vote is accepted.
    private sealed class Scripted(int retireAfter, string title = WorkerRetiredException.ProblemTitle, bool empty = false) : HttpMessageHandler
    {
        public int Leases { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Post) return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{}") });
            if (++Leases <= retireAfter)
            {
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent($"{{\"leaseId\":\"lse_{Leases}\",\"itemId\":\"i\"}}", Encoding.UTF8, "application/json") });
            }
            if (empty) return Task.FromResult(new HttpResponseMessage(HttpStatusCode.NoContent));
            var problem = $"{{\"title\":\"{title}\",\"status\":403,\"detail\":\"…\"}}";
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.Forbidden) { Content = new StringContent(problem, Encoding.UTF8, "application/problem+json") });
        }
    }
}
