namespace Labeling.Orchestration.Crowd;

/// <summary>Input of the online-inference activity: one vote on one item.</summary>
/// <param name="Item">The item.</param>
/// <param name="Vote">The vote.</param>
public sealed record ObserveVoteInput(ItemReference Item, VoteSubmitted Vote);
