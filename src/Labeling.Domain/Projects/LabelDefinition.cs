namespace Labeling.Domain.Projects;

/// <summary>One label of a project's schema, with the description workers see.</summary>
/// <param name="Name">The label as it is voted and exported, e.g. <c>spam</c>. Case-sensitive.</param>
/// <param name="Description">What the label means, shown with every task.</param>
public sealed record LabelDefinition(string Name, string Description);
