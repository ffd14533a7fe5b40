using Labeling.Domain.Projects;

namespace Labeling.Application.Crowd;

/// <summary>A task handed to a worker: the item to label, the schema, and the lease to vote with.</summary>
/// <param name="LeaseId">Vote with <c>POST /api/tasks/{leaseId}/votes</c>.</param>
/// <param name="ProjectId">The project.</param>
/// <param name="ItemId">The item.</param>
/// <param name="Text">The text to label.</param>
/// <param name="Labels">The labels to choose from, with descriptions.</param>
/// <param name="Instructions">Guidance for the worker.</param>
/// <param name="ExpiresAt">After this the lease is void and the item returns to the pool.</param>
public sealed record TaskAssignment(
    string LeaseId,
    string ProjectId,
    string ItemId,
    string Text,
    IReadOnlyList<LabelDefinition> Labels,
    string Instructions,
    DateTimeOffset ExpiresAt);
