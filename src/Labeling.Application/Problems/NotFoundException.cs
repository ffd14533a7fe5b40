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

    /// <inheritdoc />
    public override int StatusCode => 404;

    /// <inheritdoc />
    public override string Title => "The resource was not found.";
}
