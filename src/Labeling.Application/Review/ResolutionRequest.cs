namespace Labeling.Application.Review;

/// <summary>A reviewer's decision on an item that needs review.</summary>
/// <param name="Label">The label; must be in the project's schema.</param>
public sealed record ResolutionRequest(string? Label);
