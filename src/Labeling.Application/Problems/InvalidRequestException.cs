namespace Labeling.Application.Problems;

/// <summary>The request is malformed or breaks a rule; the errors say what to change. (HTTP 400.)</summary>
public sealed class InvalidRequestException : LabelingProblemException
{
    /// <summary>Creates the exception for one field.</summary>
    /// <param name="field">The offending field (JSON name), or an empty string for the request as a whole.</param>
    /// <param name="message">What to change.</param>
    public InvalidRequestException(string field, string message)
        : this(new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [message] })
    {
    }

    /// <summary>Creates the exception for several fields.</summary>
    /// <param name="errors">Messages per field.</param>
    public InvalidRequestException(IReadOnlyDictionary<string, string[]> errors)
        : base(string.Join(" ", errors.SelectMany(e => e.Value)))
    {
        Errors = errors;
        Extensions["errors"] = errors;
    }

    /// <summary>Messages per field.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    /// <inheritdoc />
    public override int StatusCode => 400;

    /// <inheritdoc />
    public override string Title => "The request is invalid.";
}
