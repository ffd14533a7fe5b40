using System.Text.RegularExpressions;
using Labeling.Domain.Labelers;
using Labeling.Domain.Projects;

namespace Labeling.Domain.Rules;

/// <summary>
/// A keyword or regular-expression rule: a machine labeler that votes <see cref="Label"/> when an
/// item's text matches and abstains otherwise.
/// </summary>
/// <remarks>
/// Keywords match as substrings (case-insensitive unless <see cref="CaseSensitive"/>); the pattern is a
/// .NET regular expression searched anywhere in the text with a 100 ms timeout, so a pathological
/// pattern abstains instead of stalling the pipeline. A rule's reliability is learned like any
/// worker's: it starts from the model's neutral prior and earns trust from crowd and gold evidence.
/// </remarks>
public sealed class LabelRule
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest rule id.</summary>
    public const int MaxIdLength = 64;

    /// <summary>Most keywords a rule may list.</summary>
    public const int MaxKeywords = 500;

    /// <summary>Longest keyword.</summary>
    public const int MaxKeywordLength = 200;

    /// <summary>Longest pattern.</summary>
    public const int MaxPatternLength = 2000;
    private Regex? _regex;

    /// <summary>Identifier, unique in the project; the labeler id is <c>rule:{Id}</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The label voted when the rule matches; must be in the schema.</summary>
    public required string Label { get; init; }

    /// <summary>Substrings any one of which makes the rule match.</summary>
    public IReadOnlyList<string> Keywords { get; init; } = [];

    /// <summary>A regular expression that makes the rule match; null for keyword-only rules.</summary>
    public string? Pattern { get; init; }

    /// <summary>Whether keywords and pattern match case-sensitively. Default false.</summary>
    public bool CaseSensitive { get; init; }

    /// <summary>The labeler id under which this rule votes.</summary>
    public string LabelerId => LabelerIds.Rule(Id);

    /// <summary>The rule's vote on a text: <see cref="Label"/> when it matches, null (abstain) otherwise.</summary>
    /// <param name="text">The item text.</param>
    /// <returns>The label, or null.</returns>
    public string? Vote(string text) => Vote(text, out _);

    /// <summary>
    /// The rule's vote on a text, and whether its pattern ran out of time (then it abstains). A caller
    /// labeling many items can stop asking a rule that timed out, so one slow pattern costs one timeout
    /// per batch rather than one per item.
    /// </summary>
    /// <param name="text">The item text.</param>
    /// <param name="timedOut">Whether the pattern hit its match timeout.</param>
    /// <returns>The label, or null.</returns>
    public string? Vote(string text, out bool timedOut)
    {
        ArgumentNullException.ThrowIfNull(text);
        timedOut = false;
        var comparison = CaseSensitive ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        foreach (var keyword in Keywords)
        {
            // A null keyword is refused when the project is created; one stored before that was checked is skipped.
            if (keyword is { Length: > 0 } && text.Contains(keyword, comparison))
            {
                return Label;
            }
        }

        if (Pattern is null)
        {
            return null;
        }

        try
        {
            return Regex().IsMatch(text) ? Label : null;
        }
        catch (RegexMatchTimeoutException)
        {
            // A rule that cannot decide in time abstains: abstaining is always safe for the posterior.
            timedOut = true;
            return null;
        }
    }

    /// <summary>Problems with the rule, each saying what to change; empty when valid.</summary>
    /// <param name="schema">The project's schema, which must contain <see cref="Label"/>.</param>
    /// <returns>Validation messages.</returns>
    public IReadOnlyList<string> Validate(LabelSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Id) || Id.Length > MaxIdLength || !Id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            errors.Add($"Rule id '{Shorten(Id)}' must be 1 to {MaxIdLength} letters, digits, '-' or '_'.");
        }

        if (Keywords.Any(k => k is null))
        {
            errors.Add($"Rule '{Shorten(Id)}' has a null keyword; give each keyword as a string.");
        }

        if (Keywords.Count > MaxKeywords || Keywords.Any(k => k?.Length > MaxKeywordLength))
        {
            errors.Add($"Rule '{Shorten(Id)}' may have at most {MaxKeywords} keywords of at most {MaxKeywordLength} characters each.");
        }

        if (Pattern?.Length > MaxPatternLength)
        {
            errors.Add($"Rule '{Shorten(Id)}' has a pattern of {Pattern.Length} characters; the most is {MaxPatternLength}.");
        }

        if (!schema.Contains(Label))
        {
            errors.Add($"Rule '{Id}' votes '{Label}', which is not a label of the schema [{string.Join(", ", schema.Names)}].");
        }

        if (Keywords.All(string.IsNullOrEmpty) && string.IsNullOrEmpty(Pattern))
        {
            errors.Add($"Rule '{Id}' needs at least one keyword or a pattern.");
        }

        if (!string.IsNullOrEmpty(Pattern))
        {
            try
            {
                _ = Regex();
            }
            catch (ArgumentException ex)
            {
                errors.Add($"Rule '{Id}' has an invalid pattern: {ex.Message}");
            }
        }

        return errors;
    }

    private static string Shorten(string? value) => value is { Length: > 40 } ? value[..40] + "…" : value ?? string.Empty;

    private Regex Regex() => _regex ??= new Regex(
        Pattern!,
        RegexOptions.CultureInvariant | (CaseSensitive ? RegexOptions.None : RegexOptions.IgnoreCase),
        MatchTimeout);
}
