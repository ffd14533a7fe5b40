using System.Security.Cryptography;
using System.Text;

namespace Labeling.Domain.Items;

/// <summary>One unit of labeling work, cut from a document (or seeded as gold).</summary>
/// <remarks>
/// <see cref="Revision"/> grows by one on every state change; stores write an item only if the revision
/// they read is still current, so a redelivered message or a concurrent writer cannot apply a step twice.
/// The <c>label.ready</c> event id is built from the item id and the revision of its decision.
/// </remarks>
/// <param name="ProjectId">The project.</param>
/// <param name="Id">Identifier, derived from the project and the content hash (<see cref="IdFor"/>) so re-ingesting the same text finds the same item.</param>
/// <param name="DocumentId">The document that first brought this text in; null for gold items seeded by hand.</param>
/// <param name="SourceId">Where in the document the text sits (<c>row-2</c>, <c>chunk-3</c>).</param>
/// <param name="ExternalId">The caller's id for the item, if the document carried one.</param>
/// <param name="Text">The text workers label.</param>
/// <param name="ContentHash">SHA-256 of the normalised text; unique per project.</param>
/// <param name="State">Where the item is in its life.</param>
/// <param name="GoldLabel">The known true label for gold items, else null.</param>
/// <param name="Posterior">The truth model's posterior in schema order; null before any vote.</param>
/// <param name="Label">The decided label, for auto-accepted and decided items.</param>
/// <param name="Confidence">The decided label's posterior probability.</param>
/// <param name="DecidedBy">How the label was decided.</param>
/// <param name="MachineVotes">Votes by rules, LLMs and models.</param>
/// <param name="CrowdVotes">Crowd responses, abstentions included.</param>
/// <param name="CrowdLabels">Crowd responses that chose a label.</param>
/// <param name="Revision">Grows with every state change.</param>
/// <param name="CreatedAt">When the item was ingested.</param>
/// <param name="UpdatedAt">When it last changed.</param>
/// <param name="Reason">Why the routing policy took the last step, for people reading the item.</param>
public sealed record Item(
    string ProjectId,
    string Id,
    string? DocumentId,
    string SourceId,
    string? ExternalId,
    string Text,
    string ContentHash,
    ItemState State,
    string? GoldLabel,
    IReadOnlyList<double>? Posterior,
    string? Label,
    double? Confidence,
    DecidedBy? DecidedBy,
    int MachineVotes,
    int CrowdVotes,
    int CrowdLabels,
    long Revision,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? Reason)
{
    /// <summary>
    /// The revision whose <c>label.ready</c> consumers hold while a re-check has put a crowd-decided item back in the
    /// crowd pool (a batch re-fit found its label below <c>routing.recheckTarget</c>); the item's next final label
    /// names it in <c>data.revises</c>. Null otherwise.
    /// </summary>
    public long? ReopenedFromRevision { get; init; }

    /// <summary>Whether the item's truth is known (gold).</summary>
    public bool IsGold => GoldLabel is not null;

    /// <summary>Whether the item has a final label (auto-accepted or decided).</summary>
    public bool HasLabel => State is ItemState.AutoAccepted or ItemState.Decided;

    /// <summary>All votes on the item, machine and crowd.</summary>
    public int TotalVotes => MachineVotes + CrowdVotes;

    /// <summary>The id for a new item of a project, derived from the project and the item's content hash.</summary>
    /// <param name="projectId">The project the item belongs to.</param>
    /// <param name="contentHash">The 64-hex-character content hash.</param>
    /// <returns><c>itm_</c> followed by the first 24 hex characters of SHA-256(<c>{projectId}\n{contentHash}</c>).</returns>
    /// <remarks>
    /// The project is part of the hash because ids derived from the text alone collide across projects,
    /// and ids that are meant to be globally unique are built from item ids: the <c>label.ready</c>
    /// event id (<c>{itemId}-r{revision}</c>) above all. Within a project the id stays a pure function of
    /// the text, so re-ingesting the same text still finds the same item.
    /// </remarks>
    public static string IdFor(string projectId, string contentHash)
    {
        ArgumentException.ThrowIfNullOrEmpty(projectId);
        ArgumentException.ThrowIfNullOrEmpty(contentHash);
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(projectId + "\n" + contentHash));
        return "itm_" + Convert.ToHexStringLower(digest.AsSpan(0, 12));
    }
}
