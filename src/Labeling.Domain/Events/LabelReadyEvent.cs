using System.Globalization;
using Labeling.Domain.Items;

namespace Labeling.Domain.Events;

/// <summary>An item received its final label. Published as a CloudEvent of type <c>label.ready</c>.</summary>
/// <param name="ProjectId">The project.</param>
/// <param name="ItemId">The item.</param>
/// <param name="Revision">The item revision of the decision; with the item id it is the event id.</param>
/// <param name="Label">The decided label.</param>
/// <param name="Confidence">The label's posterior probability.</param>
/// <param name="Posterior">Every label's posterior probability.</param>
/// <param name="DecidedBy">How the label was decided.</param>
/// <param name="Votes">Votes behind the decision, machine and crowd.</param>
/// <param name="DecidedAt">When.</param>
public sealed record LabelReadyEvent(
    string ProjectId,
    string ItemId,
    long Revision,
    string Label,
    double Confidence,
    IReadOnlyDictionary<string, double> Posterior,
    DecidedBy DecidedBy,
    int Votes,
    DateTimeOffset DecidedAt)
{
    /// <summary>The CloudEvent type.</summary>
    public const string EventType = "label.ready";

    /// <summary>The event id: the same decision always has the same id, so consumers can deduplicate.</summary>
    public string Id => string.Create(CultureInfo.InvariantCulture, $"{ItemId}-r{Revision}");
}
