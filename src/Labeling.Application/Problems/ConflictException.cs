namespace Labeling.Application.Problems;

/// <summary>The request conflicts with the current state. (HTTP 409.)</summary>
public sealed class ConflictException : LabelingProblemException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="detail">What went wrong and what to do instead.</param>
    public ConflictException(string detail)
        : base(detail)
    {
    }

    /// <inheritdoc />
    public override int StatusCode => 409;

    /// <inheritdoc />
    public override string Title => "The request conflicts with the current state.";
}
