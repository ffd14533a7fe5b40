namespace Labeling.Application.WeakLabeling;

/// <summary>Asks the machine labelers to vote on some items of a project and route them.</summary>
/// <param name="ProjectId">The project.</param>
/// <param name="ItemIds">The items; those already past weak labeling are skipped.</param>
public sealed record WeakLabelMessage(string ProjectId, IReadOnlyList<string> ItemIds);
