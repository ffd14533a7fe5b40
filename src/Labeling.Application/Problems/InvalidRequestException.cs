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

    /// <summary>
    /// A value the caller sent, as an error message may quote it: at most <paramref name="max"/> characters
    /// (longer values are cut and end in "…", with their length), so a 100 kB label is not echoed back in full.
    /// </summary>
    /// <param name="value">The value as sent.</param>
    /// <param name="max">Characters kept.</param>
    /// <returns>The value, or its start.</returns>
    public static string Echo(string? value, int max = 80) =>
        value is null ? string.Empty
        : value.Length <= max ? value
        : $"{value[..max]}… ({value.Length} characters)";

    /// <inheritdoc />
    public override int StatusCode => 400;

    /// <inheritdoc />
    public override string Title => "The request is invalid.";
}
