using System.Net;
using Labeling.Adapters.Azure.Cosmos;
using Labeling.Application;
using Labeling.Application.Crowd;
using Labeling.Application.Ports;
using Labeling.Application.Projects;
using Labeling.Application.Truth;
using Labeling.Domain.Items;
using Labeling.TestSupport.Emulators;
using Labeling.TestSupport.Logging;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Labeling.Adapters.Azure.Cosmos.CosmosDocuments;

namespace Labeling.Adapters.Azure.Tests.Cosmos;

/// <summary>
/// The writes after a commit's point of no return are tried again when they fail for a reason that passes: a 503 on the
/// outbox create left a decided item without its <c>label.ready</c> for good (a review measured it through the vote API).
/// </summary>
[Collection(CosmosCollection.Name)]
public sealed class CosmosCommitTailTests(CosmosEmulatorFixture cosmos) : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private readonly List<CosmosDatabase> _databases = [];
    private readonly LogCollector _logs = new();

    [Fact]
    public async Task Commit_WhoseOutboxCreateIsUnavailableTwice_WritesTheEventOnTheThirdTry()
    {
        var faults = new OutboxFault { Failures = 2, Status = HttpStatusCode.ServiceUnavailable };
        var db = await CreateAsync(faults);

        await Store(db).CommitAsync(new ItemCommit("p1") { Events = [Event("itm_1-r2")] }, CancellationToken.None);

        Assert.Equal(3, faults.Tried);
        Assert.Equal(["itm_1-r2"], (await Pending(db)).Select(e => e.Id));
        Assert.DoesNotContain(_logs.Records, r => r.EventId.Id == 7301);
    }

    [Fact]
    public async Task Commit_WhoseOutboxCreateTimesOutAfterTheServiceWroteIt_TakesTheRetrysConflictAsDone()
    {
        // A timeout may come after the service has written the document: the next try's 409 is the first try's success.
        var faults = new OutboxFault { Failures = 1, Status = HttpStatusCode.RequestTimeout, AfterWrite = true };
        var db = await CreateAsync(faults);

        await Store(db).CommitAsync(new ItemCommit("p1") { Events = [Event("itm_1-r2")] }, CancellationToken.None);

        Assert.Equal(2, faults.Tried);
        Assert.Equal(["itm_1-r2"], (await Pending(db)).Select(e => e.Id));
    }

    [Fact]
    public async Task Commit_WhoseOutboxStaysUnavailable_FailsWithTheServicesAnswer_AndNamesWhatIsMissing()
    {
        var faults = new OutboxFault { Failures = int.MaxValue, Status = HttpStatusCode.ServiceUnavailable };
        var db = await CreateAsync(faults);

        var error = await Assert.ThrowsAsync<CosmosException>(() => Store(db).CommitAsync(new ItemCommit("p1") { Events = [Event("itm_1-r2")] }, CancellationToken.None));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal(CosmosItemStore.TailAttempts, faults.Tried);
        var logged = Assert.Single(_logs.Records, r => r.EventId.Id == 7301);
        Assert.Equal(LogLevel.Error, logged.Level);
        Assert.Contains("event itm_1-r2", logged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Vote_WhoseCreateTimesOutAfterTheServiceWroteIt_IsRecordedOnce_AndTheCommitCompletes()
    {
        // The vote's create conflicted on its retry and was taken for another labeler's vote: the commit failed after its
        // item was written, and the answer was a 409 for a vote that counted.
        var faults = new VoteFault();
        var db = await CreateAsync(faults);
        var labelers = new CosmosLabelerStore(db);
        var items = Store(db, labelers);
        var leases = new CosmosLeaseStore(db, items);
        var projects = new CosmosProjectStore(db, new CosmosOptions());
        var time = TimeProvider.System;
        var project = DemoProject.Create(time.GetUtcNow());
        await projects.TryCreateAsync(project, CancellationToken.None);
        var now = time.GetUtcNow();
        await items.AddNewAsync([new Item(project.Id, "itm_00", null, "row-0", null, "a comment", "hash-0", ItemState.Collecting, null, null, null, null, null, 0, 0, 0, 1, now, now, null)], CancellationToken.None);
        var models = new ProjectModels(projects, labelers, time);
        var labeling = Options.Create(new LabelingOptions());
        var leasing = new TaskLeasing(projects, items, leases, models, time, labeling, NullLogger<TaskLeasing>.Instance,
            new SpentBudgetSweep(models, projects, items, leases, time, labeling, NullLogger<SpentBudgetSweep>.Instance));
        var voting = new VoteRecording(models, items, leases, new CosmosIdempotencyStore(db), time, labeling, NullLogger<VoteRecording>.Instance);
        var task = await leasing.NextAsync(project.Id, "worker:w1", CancellationToken.None);

        faults.Armed = true;
        await voting.SubmitAsync(task!.LeaseId, "worker:w1", new VoteRequest("ham"), "key-1", CancellationToken.None);

        Assert.Equal(2, faults.Tried);
        Assert.Equal(["worker:w1"], (await items.GetVotesAsync(project.Id, "itm_00", CancellationToken.None)).Select(v => v.LabelerId));
        Assert.Equal(1, (await items.GetAsync(project.Id, "itm_00", CancellationToken.None))!.CrowdVotes);
        Assert.DoesNotContain(_logs.Records, r => r.EventId.Id == 7301);
    }

    public void Dispose()
    {
        foreach (var db in _databases)
        {
            db.Dispose();
        }
    }

    private CosmosItemStore Store(CosmosDatabase db, CosmosLabelerStore? labelers = null) =>
        new(db, labelers ?? new CosmosLabelerStore(db), logger: new LoggerFactory([_logs]).CreateLogger<CosmosItemStore>());

    private async Task<CosmosDatabase> CreateAsync(RequestHandler handler)
    {
        var db = await EmulatorDatabase.CreateAsync(cosmos, "tail-", indexBuckets: 4, handler);
        _databases.Add(db);
        return db;
    }

    private static OutboxEvent Event(string id) => new(id, "p1", id.Split('-')[0], "label.ready", "{}", T0);

    private static Task<List<OutboxEntry>> Pending(CosmosDatabase db) =>
        CosmosDatabase.QueryPartitionAsync<OutboxEntry>(db.Index, "*", "partition", OutboxPending, CancellationToken.None);

    // Answers the first Failures document creates in the outbox's pending partition with Status, before the service sees
    // them or (AfterWrite) after it has written them.
    private sealed class OutboxFault : RequestHandler
    {
        private int _tried;

        public int Failures { get; init; }

        public HttpStatusCode Status { get; init; }

        public bool AfterWrite { get; init; }

        public int Tried => Volatile.Read(ref _tried);

        public override async Task<ResponseMessage> SendAsync(RequestMessage request, CancellationToken cancellationToken)
        {
            var create = request.Method == HttpMethod.Post && request.Headers["x-ms-documentdb-isquery"] is null
                && (request.Headers["x-ms-documentdb-partitionkey"] ?? string.Empty).Contains(OutboxPending, StringComparison.Ordinal);
            if (!create)
            {
                return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }

            if (Interlocked.Increment(ref _tried) > Failures)
            {
                return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }

            if (AfterWrite)
            {
                (await base.SendAsync(request, cancellationToken).ConfigureAwait(false)).Dispose();
            }

            return new ResponseMessage(Status, request, "injected");
        }
    }

    // Lets the first vote create through once armed, then answers it 408 as a timeout that came after the service wrote it.
    private sealed class VoteFault : RequestHandler
    {
        private int _tried;

        public volatile bool Armed;

        public int Tried => Volatile.Read(ref _tried);

        public override async Task<ResponseMessage> SendAsync(RequestMessage request, CancellationToken cancellationToken)
        {
            var voteCreate = Armed && request.Method == HttpMethod.Post && request.Headers["x-ms-documentdb-isquery"] is null
                && Uri.UnescapeDataString(request.RequestUri.OriginalString).Contains("/colls/votes", StringComparison.Ordinal);
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (voteCreate && Interlocked.Increment(ref _tried) == 1)
            {
                response.Dispose();
                return new ResponseMessage(HttpStatusCode.RequestTimeout, request, "injected: timed out after the write");
            }

            return response;
        }
    }
}
