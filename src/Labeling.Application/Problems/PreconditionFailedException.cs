namespace Labeling.Application.Problems;

/// <summary>The request was made from a version of a resource that is no longer the current one (If-Match). (HTTP 412.)</summary>
public sealed class PreconditionFailedException : LabelingProblemException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="detail">Which version is current, and what to do.</param>
    public PreconditionFailedException(string detail)
        : base(detail)
    {
    }

    /// <inheritdoc />
    public override int StatusCode => 412;

    /// <inheritdoc />
    public override string Title => "The resource changed since the version the request names.";
}
