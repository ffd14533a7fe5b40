namespace Labeling.Application.Crowd;

/// <summary>A vote's answer, possibly replayed from an earlier request with the same idempotency key.</summary>
/// <param name="Result">The answer.</param>
/// <param name="Replayed">True when this is the stored answer of an earlier identical request.</param>
public sealed record VoteOutcome(VoteResult Result, bool Replayed);
