namespace Labeling.Orchestration.Crowd;

/// <summary>
/// The external event a crowd vote raises on its item's workflow (<see cref="CollectVotesOrchestration.VoteSubmittedEvent"/>).
/// Delivery is at-least-once; the vote activity is idempotent per <see cref="LeaseId"/>.
/// </summary>
/// <param name="LeaseId">The task lease the vote answered.</param>
/// <param name="WorkerId">The worker's labeler id.</param>
/// <param name="Label">The chosen label, or null for "unsure".</param>
public sealed record VoteSubmitted(string LeaseId, string WorkerId, string? Label);
