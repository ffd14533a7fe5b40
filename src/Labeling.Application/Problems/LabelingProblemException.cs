namespace Labeling.Application.Problems;

/// <summary>
/// A failure the caller can act on. The HTTP layer turns it into an RFC 7807 problem with
/// <see cref="StatusCode"/>, <see cref="Title"/> and the message as detail — in one place.
/// </summary>
public abstract class LabelingProblemException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="detail">What went wrong and what to change, for the caller.</param>
    protected LabelingProblemException(string detail)
        : base(detail)
    {
    }

    /// <summary>The HTTP status code.</summary>
    public abstract int StatusCode { get; }

    /// <summary>A short, fixed summary of the problem type.</summary>
    public abstract string Title { get; }

    /// <summary>Extra members of the problem document (field errors, ids).</summary>
    public IDictionary<string, object?> Extensions { get; } = new Dictionary<string, object?>(StringComparer.Ordinal);
}
