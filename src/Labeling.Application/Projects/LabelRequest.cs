namespace Labeling.Application.Projects;

/// <summary>A label in a project definition.</summary>
/// <param name="Name">The label.</param>
/// <param name="Description">What it means, for workers.</param>
public sealed record LabelRequest(string? Name, string? Description);
