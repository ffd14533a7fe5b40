using Labeling.Adapters.Azure.Cosmos;
using Labeling.Application;
using Labeling.Application.Crowd;
using Labeling.Application.Truth;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Labeling.Adapters.Azure.Tests.Cosmos;

/// <summary>One Functions instance's Cosmos stores and crowd use cases over its own connection, as the app composes them.</summary>
internal sealed record CosmosInstance(CosmosItemStore Items, CosmosLeaseStore Leases, CosmosProjectStore Projects, TaskLeasing Leasing, VoteRecording Voting)
{
    public static CosmosInstance Of(CosmosDatabase db, TimeProvider time)
    {
        var labelers = new CosmosLabelerStore(db);
        var items = new CosmosItemStore(db, labelers);
        var leases = new CosmosLeaseStore(db, items);
        var projects = new CosmosProjectStore(db, db.Options);
        var models = new ProjectModels(projects, labelers, time);
        var labeling = Options.Create(new LabelingOptions());
        var leasing = new TaskLeasing(projects, items, leases, models, time, labeling, NullLogger<TaskLeasing>.Instance,
            new SpentBudgetSweep(models, projects, items, leases, time, labeling, NullLogger<SpentBudgetSweep>.Instance));
        var voting = new VoteRecording(models, items, leases, new CosmosIdempotencyStore(db), time, labeling, NullLogger<VoteRecording>.Instance);
        return new CosmosInstance(items, leases, projects, leasing, voting);
    }
}
