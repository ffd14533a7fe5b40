namespace Labeling.Orchestration.Crowd;

/// <summary>An item, as activities of the crowd workflow address it.</summary>
/// <param name="ProjectId">The project.</param>
/// <param name="ItemId">The item.</param>
public sealed record ItemReference(string ProjectId, string ItemId);
