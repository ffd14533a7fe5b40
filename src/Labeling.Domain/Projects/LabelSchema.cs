using System.Globalization;
using System.Text;
namespace Labeling.Domain.Projects;

/// <summary>The labels a project's items can take, their descriptions and the instructions for workers.</summary>
/// <param name="Kind">What a worker does with an item.</param>
/// <param name="Labels">The labels in a fixed order; the order is the truth model's class order.</param>
/// <param name="Instructions">Guidance shown with every task.</param>
public sealed record LabelSchema(TaskKind Kind, IReadOnlyList<LabelDefinition> Labels, string Instructions)
{
    /// <summary>The label names in schema order.</summary>
    public IReadOnlyList<string> Names => Labels.Select(l => l.Name).ToArray();

    /// <summary>Whether <paramref name="label"/> is one of the schema's labels (exact, case-sensitive).</summary>
    /// <param name="label">A label name.</param>
    /// <returns>True when the label is in the schema.</returns>
    public bool Contains(string? label) => IndexOf(label) >= 0;

    /// <summary>The label's position in the schema, or -1.</summary>
    /// <param name="label">A label name.</param>
    /// <returns>The index, or -1 when absent.</returns>
    public int IndexOf(string? label)
    {
        for (var i = 0; i < Labels.Count; i++)
        {
            if (string.Equals(Labels[i].Name, label, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Most labels a schema may have. Each labeler's reliability is a K × K matrix, so memory and the work per
    /// vote grow with K²: 100 labels make 10,000 numbers per labeler.
    /// </summary>
    public const int MaxLabels = 100;

    /// <summary>Problems with the schema, each saying what to change; empty when valid.</summary>
    /// <returns>Validation messages.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!TaskKinds.IsServed(Kind))
        {
            errors.Add($"Task kind '{TaskKinds.Name(Kind)}' is not served yet; use 'single-label'.");
        }

        if (Labels is null || Labels.Count < 2)
        {
            errors.Add("A schema needs at least two labels, e.g. [{\"name\":\"spam\"},{\"name\":\"ham\"}].");
            return errors;
        }

        if (Labels.Count > MaxLabels)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"The schema has {Labels.Count:N0} labels; at most {MaxLabels} are served (the truth model keeps a labels × labels confusion matrix for every labeler)."));
            return errors;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var looks = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var label in Labels)
        {
            if (string.IsNullOrWhiteSpace(label.Name))
            {
                errors.Add("Every label needs a non-empty name.");
            }
            else if (!seen.Add(label.Name))
            {
                errors.Add($"Label '{label.Name}' appears twice; label names must be distinct.");
            }
            else if (label.Name.Length > 100)
            {
                errors.Add($"Label '{label.Name[..20]}…' is longer than 100 characters; shorten it.");
            }
            else if (label.Name != label.Name.Trim() || label.Name.EnumerateRunes().Any(IsInvisible))
            {
                // Workers, exports and events would show two different labels the same way.
                errors.Add($"Label '{Printable(label.Name)}' has leading or trailing spaces or control or format characters; use visible text.");
            }
            else if (!looks.TryAdd(Look(label.Name), label.Name))
            {
                errors.Add($"Labels '{looks[Look(label.Name)]}' and '{label.Name}' differ only in case or Unicode compatibility form (full-width letters, ligatures); a worker could not tell them apart.");
            }
        }

        // Every task carries the descriptions and instructions: a 700 KB text made every lease a megabyte, and a
        // right-to-left override or a terminal escape in them reached every worker's screen.
        foreach (var (label, index) in Labels.Select((l, i) => (l, i)))
        {
            CheckText(errors, string.Create(CultureInfo.InvariantCulture, $"labels[{index}].description"), label.Description, MaxDescriptionCharacters, EveryTask);
        }

        CheckText(errors, "instructions", Instructions, MaxInstructionsCharacters, EveryTask);
        return errors;
    }

    private const string EveryTask = " (every task carries it)";

    /// <summary>The longest label description, in characters.</summary>
    public const int MaxDescriptionCharacters = 2_000;

    /// <summary>The longest instructions, in characters.</summary>
    public const int MaxInstructionsCharacters = 20_000;

    /// <summary>Adds an error when <paramref name="text"/> is longer than <paramref name="max"/> or holds a control character (other than tab and line breaks) or a bidirectional embedding, override or isolate.</summary>
    /// <param name="errors">Where the error goes.</param>
    /// <param name="field">How the message names the field, e.g. <c>instructions</c>.</param>
    /// <param name="text">The text; null or empty passes.</param>
    /// <param name="max">The most characters.</param>
    /// <param name="because">Why the limit, as the length message ends, e.g. <c> (every task carries it)</c>.</param>
    internal static void CheckText(List<string> errors, string field, string? text, int max, string because = "")
    {
        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        if (text.Length > max)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{field} is {text.Length:N0} characters; at most {max:N0} are taken{because}."));
        }
        else
        {
            foreach (var rune in text.EnumerateRunes())
            {
                if (IsUnsafeInText(rune))
                {
                    errors.Add($"{field} holds the character U+{rune.Value:X4}, a control character or a bidirectional embedding, override or isolate; use text (tabs and line breaks are fine).");
                    return;
                }
            }
        }
    }

    // Control characters other than tab and line breaks (a terminal escape, NUL) and the bidirectional embeddings, overrides
    // and isolates U+202A–U+202E and U+2066–U+2069, which reorder what follows them on a worker's screen.
    private static bool IsUnsafeInText(System.Text.Rune r) =>
        (Rune.GetUnicodeCategory(r) == System.Globalization.UnicodeCategory.Control && r.Value is not ('\t' or '\n' or '\r'))
        || r.Value is (>= 0x202A and <= 0x202E) or (>= 0x2066 and <= 0x2069);

    // Control, format and separator characters, code points Unicode has not assigned (most of the default-ignorable
    // ones render as nothing, e.g. U+2065, U+E0080), and the assigned default-ignorable ones of other categories that render as
    // nothing: variation selectors (U+FE00–FE0F, U+E0100–E01EF, Mongolian U+180B–180F), the combining grapheme joiner
    // U+034F and the Hangul fillers. "spam" and "spam" + U+FE0F look the same to a worker.
    private static bool IsInvisible(System.Text.Rune r) => Rune.GetUnicodeCategory(r) is
        System.Globalization.UnicodeCategory.Control or System.Globalization.UnicodeCategory.Format
        or System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator
        or System.Globalization.UnicodeCategory.OtherNotAssigned
        || r.Value is 0x034F or 0x115F or 0x1160 or 0x17B4 or 0x17B5 or (>= 0x180B and <= 0x180F) or 0x3164 or 0xFFA0
            or (>= 0xFE00 and <= 0xFE0F) or (>= 0xE0100 and <= 0xE01EF)
            or 0x2800 or 0x1D159; // the blank Braille pattern and the musical null notehead: symbols that render as nothing

    // How a label reads: compatibility-folded (full-width letters, ligatures) and case-folded.
    private static string Look(string name) => name.Normalize(System.Text.NormalizationForm.FormKC).ToUpperInvariant();

    private static string Printable(string name) =>
        string.Concat(name.EnumerateRunes().Select(r => IsInvisible(r) ? $"\\u{r.Value:X4}" : r.ToString()));
}
