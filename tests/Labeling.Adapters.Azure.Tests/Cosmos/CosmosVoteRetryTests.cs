using System.Net;
using Labeling.Adapters.Azure.Cosmos;
using Labeling.Application.Crowd;
using Labeling.Application.Projects;
using Labeling.Domain.Items;
using Labeling.TestSupport.Emulators;
using Microsoft.Azure.Cosmos;

namespace Labeling.Adapters.Azure.Tests.Cosmos;

/// <summary>
/// A vote retried with its Idempotency-Key gets the first attempt's answer on Cosmos DB too, where the answer is one of
/// the writes after the commit point: a review found it answered 409 "already used" for a vote that counted, when another
/// of those writes failed, or when the retry reached another instance before the answer was stored.
/// </summary>
[Collection(CosmosCollection.Name)]
public sealed class CosmosVoteRetryTests(CosmosEmulatorFixture cosmos) : IDisposable
{
    private readonly List<CosmosDatabase> _databases = [];

    [Fact]
    public async Task Retry_AfterAStatisticsWriteFailed_GetsTheAnswerOfTheVoteThatCounted()
    {
        var fault = new Fault(r => r.Method == HttpMethod.Patch && Path(r).Contains("/colls/labelers", StringComparison.Ordinal) && Path(r).Contains("worker:w1", StringComparison.Ordinal));
        var (a, _) = await TwoInstancesAsync(fault);
        var task = await a.Leasing.NextAsync(a.ProjectId, "worker:w1", CancellationToken.None);

        fault.Armed = true;
        var first = await Assert.ThrowsAsync<CosmosException>(() => a.Voting.SubmitAsync(task!.LeaseId, "worker:w1", new VoteRequest("ham"), "key-1", CancellationToken.None));
        var retry = await a.Voting.SubmitAsync(task!.LeaseId, "worker:w1", new VoteRequest("ham"), "key-1", CancellationToken.None);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.True(retry.Replayed);
        Assert.Equal("ham", retry.Result.Vote);
        Assert.Single(await a.Items.GetVotesAsync(a.ProjectId, "itm_00", CancellationToken.None));
    }

    [Fact]
    public async Task Retry_OnAnotherInstanceWhileTheAnswerIsOnItsWay_WaitsForIt()
    {
        // Instance A's write of the answer is slow (throttled); the client gives up on A and sends the vote again to B, which
        // finds the lease used and no answer yet.
        var slow = new Delay(r => r.Method == HttpMethod.Post && Path(r).Contains("/colls/leases", StringComparison.Ordinal), TimeSpan.FromSeconds(3));
        var (a, b) = await TwoInstancesAsync(slow);
        var task = await a.Leasing.NextAsync(a.ProjectId, "worker:w1", CancellationToken.None);

        slow.Armed = true;
        var first = a.Voting.SubmitAsync(task!.LeaseId, "worker:w1", new VoteRequest("ham"), "key-1", CancellationToken.None);
        await slow.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        for (var wait = 0; (await b.Leases.GetAsync(task.LeaseId, CancellationToken.None))!.CompletedAt is null; wait++)
        {
            Assert.True(wait < 100, "A did not complete the lease.");
            await Task.Delay(50);
        }

        var retry = await b.Voting.SubmitAsync(task.LeaseId, "worker:w1", new VoteRequest("ham"), "key-1", CancellationToken.None);

        Assert.True(retry.Replayed);
        Assert.False((await first).Replayed);
        Assert.Single(await a.Items.GetVotesAsync(a.ProjectId, "itm_00", CancellationToken.None));
    }

    [Fact]
    public async Task Retry_OnAnotherInstanceBeforeTheLeaseIsClosed_WaitsForTheAnswer()
    {
        // The item is written (the vote counted) but the lease's completion and the answer are slow: B found the lease open,
        // took the vote for a second one, met the worker already on the item and answered 409 at once.
        var slow = new Delay(r => (r.Method == HttpMethod.Post || r.Method == HttpMethod.Patch) && Path(r).Contains("/colls/leases", StringComparison.Ordinal), TimeSpan.FromSeconds(3));
        var (a, b) = await TwoInstancesAsync(slow);
        var task = await a.Leasing.NextAsync(a.ProjectId, "worker:w1", CancellationToken.None);

        slow.Armed = true;
        var first = a.Voting.SubmitAsync(task!.LeaseId, "worker:w1", new VoteRequest("ham"), "key-1", CancellationToken.None);
        await slow.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Null((await b.Leases.GetAsync(task.LeaseId, CancellationToken.None))!.CompletedAt);

        var retry = await b.Voting.SubmitAsync(task.LeaseId, "worker:w1", new VoteRequest("ham"), "key-1", CancellationToken.None);

        Assert.True(retry.Replayed);
        Assert.False((await first).Replayed);
        Assert.Single(await a.Items.GetVotesAsync(a.ProjectId, "itm_00", CancellationToken.None));
    }

    [Fact]
    public async Task Vote_OnALeaseUsedLongerAgoThanTheLag_IsRefusedAtOnce()
    {
        // The wait is for an answer on its way: a lease used (with another key) longer ago than the store's lag is 409 at once.
        var clock = new SettableClock(DateTimeOffset.UtcNow);
        var (a, _) = await TwoInstancesAsync(null, clock);
        var task = await a.Leasing.NextAsync(a.ProjectId, "worker:w1", CancellationToken.None);
        await a.Voting.SubmitAsync(task!.LeaseId, "worker:w1", new VoteRequest("ham"), "key-1", CancellationToken.None);
        Assert.Equal(TimeSpan.FromMinutes(1), ((Labeling.Application.Ports.IIdempotencyStore)new CosmosIdempotencyStore(_databases[0])).RecordLag);
        clock.Advance(TimeSpan.FromMinutes(2));

        var refused = await Assert.ThrowsAsync<Labeling.Application.Problems.ConflictException>(
            () => a.Voting.SubmitAsync(task.LeaseId, "worker:w1", new VoteRequest("ham"), "key-2", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Contains("already used for a vote", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Vote_TheUsedLeaseAndTheStoredAnswer_ExpireAfterTheirRetention()
    {
        // Neither was ever deleted on Cosmos DB (the local server prunes both after 7 days): the leases container only grew.
        var (a, _) = await TwoInstancesAsync(null);
        var task = await a.Leasing.NextAsync(a.ProjectId, "worker:w1", CancellationToken.None);
        await a.Voting.SubmitAsync(task!.LeaseId, "worker:w1", new VoteRequest("ham"), "key-1", CancellationToken.None);
        var db = _databases[0];

        var lease = await ReadRawAsync(db, "lease:" + task.LeaseId);
        var answer = await ReadRawAsync(db, CosmosIdempotencyStore.IdFor("worker:w1", "key-1"));

        Assert.Equal((int)TimeSpan.FromDays(7).TotalSeconds, lease.GetProperty("ttl").GetInt32());
        Assert.Equal((int)TimeSpan.FromDays(7).TotalSeconds, answer.GetProperty("ttl").GetInt32());
        Assert.False(lease.GetProperty("body").GetProperty("completedAt").ValueKind == System.Text.Json.JsonValueKind.Null);
    }

    private static async Task<System.Text.Json.JsonElement> ReadRawAsync(CosmosDatabase db, string id)
    {
        using var response = await db.Leases.ReadItemStreamAsync(id, new PartitionKey(id));
        Assert.True(response.IsSuccessStatusCode, $"{id}: {response.StatusCode}");
        using var json = await System.Text.Json.JsonDocument.ParseAsync(response.Content);
        return json.RootElement.Clone();
    }

    public void Dispose()
    {
        foreach (var db in _databases)
        {
            db.Dispose();
        }
    }

    private static string Path(RequestMessage request) => Uri.UnescapeDataString(request.RequestUri.OriginalString);

    private async Task<(Instance A, Instance B)> TwoInstancesAsync(RequestHandler? handlerOfA, TimeProvider? clockOfA = null)
    {
        var a = await EmulatorDatabase.CreateAsync(cosmos, "retry-", indexBuckets: 2, handlerOfA);
        _databases.Add(a);
        var b = CosmosDatabase.Connect(a.Options, new global::Azure.Identity.DefaultAzureCredential(), []);
        _databases.Add(b);
        var time = TimeProvider.System;
        var project = DemoProject.Create(time.GetUtcNow());
        await new CosmosProjectStore(a, a.Options).TryCreateAsync(project, CancellationToken.None);
        var first = Instance.Of(a, project.Id, clockOfA ?? time);
        var now = time.GetUtcNow();
        await first.Items.AddNewAsync([new Item(project.Id, "itm_00", null, "row-0", null, "a comment", "hash-0", ItemState.Collecting, null, null, null, null, null, 0, 0, 0, 1, now, now, null)], CancellationToken.None);
        return (first, Instance.Of(b, project.Id, time));
    }

    private sealed record Instance(CosmosItemStore Items, CosmosLeaseStore Leases, TaskLeasing Leasing, VoteRecording Voting, string ProjectId)
    {
        public static Instance Of(CosmosDatabase db, string projectId, TimeProvider time)
        {
            var instance = CosmosInstance.Of(db, time);
            return new Instance(instance.Items, instance.Leases, instance.Leasing, instance.Voting, projectId);
        }
    }

    private sealed class SettableClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }

    // Answers the first matching document write (not a query) with 503 once armed.
    private sealed class Fault(Func<RequestMessage, bool> match) : RequestHandler
    {
        private int _tried;
        public volatile bool Armed;

        public override async Task<ResponseMessage> SendAsync(RequestMessage request, CancellationToken cancellationToken)
        {
            if (Armed && request.Headers["x-ms-documentdb-isquery"] is null && match(request) && Interlocked.Increment(ref _tried) == 1)
            {
                return new ResponseMessage(HttpStatusCode.ServiceUnavailable, request, "injected");
            }

            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }

    // Holds each matching document write (not a query) back for the delay once armed.
    private sealed class Delay(Func<RequestMessage, bool> match, TimeSpan delay) : RequestHandler
    {
        public volatile bool Armed;

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task<ResponseMessage> SendAsync(RequestMessage request, CancellationToken cancellationToken)
        {
            if (Armed && request.Headers["x-ms-documentdb-isquery"] is null && match(request))
            {
                Entered.TrySetResult();
                await Task.Delay(delay, CancellationToken.None).ConfigureAwait(false);
            }

            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }
}
