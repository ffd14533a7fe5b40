namespace Labeling.Application.Projects;

/// <summary>What a <c>DELETE</c> did within its time (<see cref="ProjectDeletionOptions.RequestTime"/>).</summary>
/// <param name="ProjectId">The project.</param>
/// <param name="Purged">True when its data is all gone (204); false when the rest is purged in the background (202).</param>
/// <param name="ItemsPurged">Items this request purged.</param>
public sealed record ProjectDeletionOutcome(string ProjectId, bool Purged, long ItemsPurged);
