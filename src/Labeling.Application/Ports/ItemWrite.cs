using Labeling.Domain.Items;
using Labeling.Domain.TruthInference;

namespace Labeling.Application.Ports;

/// <summary>An item's new version. The store writes it only if the stored revision is <c>Item.Revision − 1</c>.</summary>
/// <param name="Item">The item with its revision already advanced.</param>
/// <param name="Evidence">The item's truth-model evidence after the change (votes, gold, posterior).</param>
public sealed record ItemWrite(Item Item, ItemEvidenceState? Evidence);
