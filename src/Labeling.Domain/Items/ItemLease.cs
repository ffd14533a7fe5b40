namespace Labeling.Domain.Items;

/// <summary>An item handed to one worker until <see cref="ExpiresAt"/>; then it returns to the pool.</summary>
/// <remarks>
/// A lease ends in one of three ways: a vote (<see cref="CompletedAt"/>), a release — the worker skips the
/// item (<see cref="ReleasedAt"/>) — or expiry. Only a vote counts as an answer; after a release or an
/// expiry the item goes back to the pool, but never to the same worker again.
/// </remarks>
/// <param name="Id">The lease id the worker votes with.</param>
/// <param name="ProjectId">The item's project.</param>
/// <param name="ItemId">The leased item.</param>
/// <param name="WorkerId">The worker's labeler id.</param>
/// <param name="CreatedAt">When the lease was granted.</param>
/// <param name="ExpiresAt">When it stops being valid.</param>
/// <param name="CompletedAt">When a vote used it; null while open.</param>
public sealed record ItemLease(
    string Id,
    string ProjectId,
    string ItemId,
    string WorkerId,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? CompletedAt)
{
    /// <summary>When the worker released the lease without voting (skipped the item); null otherwise.</summary>
    public DateTimeOffset? ReleasedAt { get; init; }

    /// <summary>Whether the lease can still be voted with (or released) at <paramref name="now"/>.</summary>
    /// <param name="now">The current time.</param>
    /// <returns>True when neither used, released nor expired.</returns>
    public bool IsOpenAt(DateTimeOffset now) => CompletedAt is null && ReleasedAt is null && now < ExpiresAt;
}
