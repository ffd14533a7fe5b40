namespace Labeling.Domain.Items;

/// <summary>An item handed to one worker until <see cref="ExpiresAt"/>; then it returns to the pool.</summary>
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
    /// <summary>Whether the lease can still be voted with at <paramref name="now"/>.</summary>
    /// <param name="now">The current time.</param>
    /// <returns>True when not completed and not expired.</returns>
    public bool IsOpenAt(DateTimeOffset now) => CompletedAt is null && now < ExpiresAt;
}
