namespace Labeling.Application.Problems;

/// <summary>
/// A store refused a write because what it was based on changed (an item revision moved, a vote
/// already exists). Use cases reload and retry or report a conflict. (HTTP 409 if it escapes.)
/// </summary>
public sealed class ConcurrencyConflictException : LabelingProblemException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="detail">What conflicted.</param>
    public ConcurrencyConflictException(string detail)
        : base(detail)
    {
    }

    /// <inheritdoc />
    public override int StatusCode => 409;

    /// <inheritdoc />
    public override string Title => "The data changed while the request was processed.";
}
