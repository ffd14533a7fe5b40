using Labeling.Domain.Items;

namespace Labeling.Application.Crowd;

/// <summary>
/// What a worker is told about its vote: that it was recorded, and where the item stands. Not the item's posterior,
/// reason, decided label or vote count, which reviewers read from the item: for a gold item they gave it away at
/// once (a posterior of 1 on the known label, a reason saying gold), and on any item they would show the worker how
/// the others voted.
/// </summary>
/// <param name="LeaseId">The lease voted with.</param>
/// <param name="ItemId">The item.</param>
/// <param name="Vote">The recorded label, or null for an abstention.</param>
/// <param name="State">
/// The item's state after the vote. A gold item stays collecting until <c>maxCrowdVotes</c> workers have answered it,
/// as a contested item does, so the state does not single it out (<see cref="Domain.Routing.DynamicOverlapPolicy"/>).
/// </param>
public sealed record VoteReceipt(string LeaseId, string ItemId, string? Vote, ItemState State)
{
    /// <summary>The receipt of a recorded vote.</summary>
    /// <param name="result">What the vote did.</param>
    /// <returns>The receipt.</returns>
    public static VoteReceipt Of(VoteResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new VoteReceipt(result.LeaseId, result.ItemId, result.Vote, result.State);
    }
}
