using Labeling.Domain.Routing;

namespace Labeling.Orchestration.Crowd;

/// <summary>Starts (or continues) the crowd workflow of one item.</summary>
/// <param name="ProjectId">The item's project.</param>
/// <param name="ItemId">The item.</param>
/// <param name="Routing">The project's routing settings, read once when the workflow starts.</param>
/// <param name="LeaseDuration">How long a worker holds the item.</param>
/// <param name="LeaseExpirations">Waits that ended without a vote so far (carried across <c>ContinueAsNew</c>); the name is
/// from when the wait was <paramref name="LeaseDuration"/> and counted lease expiries.</param>
/// <param name="LeasesVoted">The leases whose vote was observed so far (carried across <c>ContinueAsNew</c>), one per vote:
/// an event for one of them again is a redelivery and is not counted twice.</param>
/// <param name="IdleCheck">How long the workflow waits for a vote before it reads the item again (to end when the item left
/// <c>collecting</c> some other way); null waits <paramref name="LeaseDuration"/>, as workflows started before it existed do.</param>
public sealed record CollectVotesInput(
    string ProjectId,
    string ItemId,
    RoutingSettings Routing,
    TimeSpan LeaseDuration,
    int LeaseExpirations = 0,
    IReadOnlyList<string>? LeasesVoted = null,
    TimeSpan? IdleCheck = null)
{
    /// <summary>What every item's workflow instance id starts with.</summary>
    public const string InstanceIdPrefix = "collect:";

    /// <summary>The orchestration instance id for an item: one workflow per item, so starting it twice is detectable.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="itemId">The item.</param>
    /// <returns><c>collect:{projectId}:{itemId}</c>.</returns>
    public static string InstanceIdFor(string projectId, string itemId) => $"{InstanceIdPrefix}{projectId}:{itemId}";
}
