namespace Labeling.Application.Crowd;

/// <summary>A worker's answer to a task.</summary>
/// <param name="Label">The chosen label; must be one of the project's labels unless <paramref name="Unsure"/> is true.</param>
/// <param name="Unsure">True when the worker cannot decide: recorded as an abstention; a request with a label as well is refused.</param>
public sealed record VoteRequest(string? Label, bool Unsure = false);
