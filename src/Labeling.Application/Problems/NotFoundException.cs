namespace Labeling.Application.Problems;

/// <summary>The resource was not found. (HTTP 404.)</summary>
public sealed class NotFoundException : LabelingProblemException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="detail">What went wrong and what to do instead.</param>
    public NotFoundException(string detail)
        : base(detail)
    {
    }

    /// <summary>No project has this id (the id is echoed cut short: the caller chose it).</summary>
    /// <param name="projectId">The id asked for.</param>
    /// <returns>The exception.</returns>
    public static NotFoundException Project(string projectId) =>
        new($"There is no project '{InvalidRequestException.Echo(projectId)}'. List projects with GET /api/projects.");

    /// <summary>The project has no item with this id (both ids echoed cut short).</summary>
    /// <param name="projectId">The project asked for.</param>
    /// <param name="itemId">The item asked for.</param>
    /// <returns>The exception.</returns>
    public static NotFoundException Item(string projectId, string itemId) =>
        new($"Project '{InvalidRequestException.Echo(projectId)}' has no item '{InvalidRequestException.Echo(itemId)}'.");

    /// <inheritdoc />
    public override int StatusCode => 404;

    /// <inheritdoc />
    public override string Title => "The resource was not found.";
}
