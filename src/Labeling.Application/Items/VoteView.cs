using Labeling.Domain.Labelers;

namespace Labeling.Application.Items;

/// <summary>A vote as the API shows it.</summary>
/// <param name="Labeler">Who voted.</param>
/// <param name="Kind">worker, rule, llm or model.</param>
/// <param name="Label">The label, or null for "unsure".</param>
/// <param name="At">When.</param>
public sealed record VoteView(string Labeler, LabelerKind Kind, string? Label, DateTimeOffset At)
{
    /// <summary>True for an "unsure" answer (no label); left out otherwise.</summary>
    public bool? Unsure => Label is null ? true : null;
}
