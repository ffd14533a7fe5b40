namespace Labeling.Domain.Items;

/// <summary>
/// Where an item is in its life: <c>weak-labeling → auto-accepted | collecting → decided | needs-review</c>,
/// and <c>needs-review → decided</c> when a reviewer resolves it.
/// </summary>
public enum ItemState
{
    /// <summary>Ingested; machine labelers have not voted yet.</summary>
    WeakLabeling,

    /// <summary>Machine votes alone reached the accept target and the machines are trusted. Terminal.</summary>
    AutoAccepted,

    /// <summary>In the crowd pool: workers are asked for votes until the policy stops.</summary>
    Collecting,

    /// <summary>Decided by the crowd, gold, or a reviewer. Terminal.</summary>
    Decided,

    /// <summary>The crowd could not reach the target within the vote limit or budget; waits for a reviewer.</summary>
    NeedsReview,
}
