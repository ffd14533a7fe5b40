using System.Globalization;

namespace Labeling.Application.Projects;

/// <summary>
/// The body of a <c>DELETE</c> answered 202: the project is gone from every route, and the rest of its data is purged in the
/// background (<see cref="ProjectDeletionOptions.RequestTime"/>).
/// </summary>
/// <param name="ProjectId">The project.</param>
/// <param name="ItemsPurged">Items the request purged before it answered.</param>
/// <param name="Detail">What happens next, in a sentence.</param>
public sealed record ProjectDeletionAccepted(string ProjectId, long ItemsPurged, string Detail)
{
    /// <summary>The body for a deletion handed over to the background.</summary>
    /// <param name="outcome">What the request did.</param>
    /// <returns>The body.</returns>
    public static ProjectDeletionAccepted From(ProjectDeletionOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return new ProjectDeletionAccepted(
            outcome.ProjectId,
            outcome.ItemsPurged,
            string.Create(CultureInfo.InvariantCulture, $"Project '{outcome.ProjectId}' is deleted: it is gone from every route. {outcome.ItemsPurged} of its items were purged before this answer; the rest of its data is purged in the background (logged as event 4404 when done). Sending DELETE again goes on with the purge, and answers 404 once it is over."));
    }
}
