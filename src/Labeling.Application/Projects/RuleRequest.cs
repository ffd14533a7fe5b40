namespace Labeling.Application.Projects;

/// <summary>A keyword or regex rule in a project definition.</summary>
/// <param name="Id">Unique in the project.</param>
/// <param name="Label">The label it votes when it matches.</param>
/// <param name="Keywords">Substrings, any of which matches.</param>
/// <param name="Pattern">A .NET regular expression.</param>
/// <param name="CaseSensitive">Default false.</param>
public sealed record RuleRequest(string? Id, string? Label, IReadOnlyList<string>? Keywords, string? Pattern, bool CaseSensitive = false);
