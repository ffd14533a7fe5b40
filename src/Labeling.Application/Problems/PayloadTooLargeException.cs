namespace Labeling.Application.Problems;

/// <summary>The request body is too large. (HTTP 413.)</summary>
public sealed class PayloadTooLargeException : LabelingProblemException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="detail">What went wrong and what to do instead.</param>
    public PayloadTooLargeException(string detail)
        : base(detail)
    {
    }

    /// <inheritdoc />
    public override int StatusCode => 413;

    /// <inheritdoc />
    public override string Title => "The request body is too large.";
}
