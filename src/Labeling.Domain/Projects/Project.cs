using Labeling.Domain.Routing;
using Labeling.Domain.Rules;

namespace Labeling.Domain.Projects;

/// <summary>A labeling project: its schema, machine rules, routing settings and how its documents are read.</summary>
/// <param name="Id">Short identifier used in URLs: letters, digits and dashes.</param>
/// <param name="Name">Human-readable name.</param>
/// <param name="Schema">Labels, task kind and instructions.</param>
/// <param name="Rules">Keyword and regex rules; each is a machine labeler that votes or abstains on every item.</param>
/// <param name="Routing">When to auto-accept, when to ask the crowd, when to stop.</param>
/// <param name="TextColumn">The CSV column (or JSON field) that holds item text; null uses the host's default.</param>
/// <param name="CreatedAt">When the project was created.</param>
/// <param name="Version">1 when created, one more with each change (<c>PATCH /api/projects/{id}</c>); a project stored
/// before projects could change reads as 1. Caches keep the highest version they have seen, and a change is written only
/// over the version it was made from.</param>
public sealed record Project(
    string Id,
    string Name,
    LabelSchema Schema,
    IReadOnlyList<LabelRule> Rules,
    RoutingSettings Routing,
    string? TextColumn,
    DateTimeOffset CreatedAt,
    int Version = 1)
{
    /// <summary>The truth model's capability for this project's items: the task kind's name.</summary>
    public string Capability => TaskKinds.Name(Schema.Kind);

    /// <summary>Most rules a project may have: every rule runs on every item.</summary>
    public const int MaxRules = 200;

    /// <summary>Longest project name.</summary>
    public const int MaxNameLength = 200;

    /// <summary>Longest <see cref="TextColumn"/>: a CSV header or JSON field name.</summary>
    public const int MaxTextColumnLength = 200;

    /// <summary>Problems with the project, each saying what to change; empty when valid.</summary>
    /// <returns>Validation messages.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        // Lowercase only: a project's id names its inbox and upload folders, and 'demo' and 'DEMO' would share
        // them on a file system that ignores case.
        if (string.IsNullOrWhiteSpace(Id) || Id.Length > 64 || !Id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
        {
            errors.Add("The project id must be 1–64 characters of lowercase letters, digits and '-', e.g. 'youtube-spam'.");
        }

        if (string.IsNullOrWhiteSpace(Name))
        {
            errors.Add("The project needs a name.");
        }
        else if (Name.Length > MaxNameLength)
        {
            errors.Add($"The project name has {Name.Length} characters; the most is {MaxNameLength}.");
        }
        else
        {
            LabelSchema.CheckText(errors, "The project name", Name, MaxNameLength);
        }

        if (TextColumn is { Length: > 0 } && string.IsNullOrWhiteSpace(TextColumn))
        {
            errors.Add("textColumn is blank: name the CSV column or JSON field that holds the text, or leave it out for the server's default.");
        }
        else
        {
            LabelSchema.CheckText(errors, "textColumn", TextColumn, MaxTextColumnLength);
        }

        if (Schema is null)
        {
            errors.Add("The project needs a schema with labels.");
            return errors;
        }

        errors.AddRange(Schema.Validate());
        errors.AddRange(Routing.Validate());
        if (Rules.Count > MaxRules)
        {
            errors.Add($"The project has {Rules.Count} rules; the most is {MaxRules} (every rule runs on every item).");
            return errors;
        }

        var ruleIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in Rules)
        {
            errors.AddRange(rule.Validate(Schema));
            if (!ruleIds.Add(rule.Id))
            {
                errors.Add($"Rule id '{rule.Id}' is used twice; give each rule its own id.");
            }
        }

        return errors;
    }
}
