namespace Labeling.Application.Problems;

/// <summary>The caller may not do this. (HTTP 403.)</summary>
public sealed class AccessDeniedException : LabelingProblemException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="detail">What went wrong and what to do instead.</param>
    public AccessDeniedException(string detail)
        : base(detail)
    {
    }

    /// <inheritdoc />
    public override int StatusCode => 403;

    /// <inheritdoc />
    public override string Title => "The caller may not do this.";
}
