namespace Labeling.Domain.Routing;

/// <summary>What to do next with an item.</summary>
public enum RoutingStep
{
    /// <summary>Nothing: the event does not apply to the item's state (e.g. a late vote on a decided item).</summary>
    Ignore,

    /// <summary>Accept the machine label without the crowd.</summary>
    AutoAccept,

    /// <summary>Put (or keep) the item in the crowd pool for another vote.</summary>
    CollectVotes,

    /// <summary>The item is decided.</summary>
    Decide,

    /// <summary>Stop collecting; a reviewer must decide.</summary>
    SendToReview,
}
