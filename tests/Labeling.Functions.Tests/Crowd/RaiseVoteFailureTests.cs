using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Labeling.Adapters.Azure.Cosmos;
using Labeling.Application.Ports;
using Labeling.Application.Projects;
using Labeling.Domain.Items;
using Labeling.Functions.Tests.Hosting;
using Labeling.TestSupport.Emulators;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Labeling.Functions.Tests.Crowd;

/// <summary>
/// After the vote is committed, LabelingApiPipeline's filter tells the workflow (CrowdWorkflows.RaiseVoteAsync).
/// Only RpcException was caught there: a Cosmos DB error on its lease read (a 429 past the SDK's retries) turned the
/// committed vote's answer into a 500 (a review found it), and a retry without an Idempotency-Key into a 409.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class RaiseVoteFailureTests(AzuriteFixture azurite, CosmosEmulatorFixture cosmos)
{
    [Fact]
    public async Task Vote_WhenTheLeaseReadAfterTheCommitIsThrottled_StillAnswersTheRecordedVote()
    {
        await using var host = await FunctionsTestHost.StartAsync(azurite, cosmos, services: services =>
            services.Replace(ServiceDescriptor.Singleton<ILeaseStore>(sp => new ThrottledAfterCommit(ActivatorUtilities.CreateInstance<CosmosLeaseStore>(sp)))));
        var itemId = await host.CollectingDemoItemAsync();
        using var client = host.Client(host.Tokens.Mint("ann", "Labeler"));
        var next = JsonNode.Parse(await (await client.GetAsync($"/api/projects/{DemoProject.Id}/tasks/next")).Content.ReadAsStringAsync())!;

        var vote = await client.PostAsJsonAsync($"/api/tasks/{next["leaseId"]!.GetValue<string>()}/votes", new { label = "ham" });

        Assert.Equal(1, (await host.Services.GetRequiredService<IItemStore>().GetAsync(DemoProject.Id, itemId, CancellationToken.None))!.CrowdVotes);
        Assert.Equal(HttpStatusCode.OK, vote.StatusCode);
    }

    private sealed class ThrottledAfterCommit(ILeaseStore inner) : ILeaseStore
    {
        public async Task<ItemLease?> GetAsync(string leaseId, CancellationToken cancellationToken)
        {
            var lease = await inner.GetAsync(leaseId, cancellationToken);
            return lease?.CompletedAt is not null
                ? throw new CosmosException("Request rate is large", HttpStatusCode.TooManyRequests, 3200, "activity", 1)
                : lease;
        }

        public Task<ItemLease?> FindOpenAsync(string projectId, string workerId, DateTimeOffset now, CancellationToken cancellationToken) => inner.FindOpenAsync(projectId, workerId, now, cancellationToken);

        public Task<IReadOnlyList<string>> FindCandidatesAsync(string projectId, string workerId, DateTimeOffset now, int limit, CancellationToken cancellationToken) => inner.FindCandidatesAsync(projectId, workerId, now, limit, cancellationToken);

        public Task<bool> TryAcquireAsync(ItemLease lease, DateTimeOffset now, CancellationToken cancellationToken) => inner.TryAcquireAsync(lease, now, cancellationToken);

        public Task<ItemLease?> TryAcquireFirstAsync(IReadOnlyList<ItemLease> leases, DateTimeOffset now, CancellationToken cancellationToken) => inner.TryAcquireFirstAsync(leases, now, cancellationToken);

        public Task<bool> ReleaseAsync(ItemLease lease, DateTimeOffset now, CancellationToken cancellationToken) => inner.ReleaseAsync(lease, now, cancellationToken);

        public Task<bool> IsHeldAsync(string projectId, string itemId, DateTimeOffset now, CancellationToken cancellationToken) => inner.IsHeldAsync(projectId, itemId, now, cancellationToken);
    }
}
