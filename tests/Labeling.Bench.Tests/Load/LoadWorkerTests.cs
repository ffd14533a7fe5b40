using System.Net;
using System.Text;
using Labeling.Application.Problems;
using Labeling.Bench.Load;

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
