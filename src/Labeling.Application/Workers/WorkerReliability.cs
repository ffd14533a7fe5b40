namespace Labeling.Application.Workers;

/// <summary>A worker's own reliability, per project they voted in.</summary>
/// <param name="Worker">The worker's labeler id.</param>
/// <param name="Projects">Per-project estimates.</param>
public sealed record WorkerReliability(string Worker, IReadOnlyList<ProjectReliability> Projects);
