namespace Labeling.Application.Truth;

/// <summary>A crowd-decided item a re-fit's re-check put back in the crowd pool (<see cref="LabelRecheck"/>).</summary>
/// <param name="ItemId">The item.</param>
/// <param name="Label">The label it had published, which consumers keep until it is decided again.</param>
/// <param name="Confidence">The stopping posterior of <paramref name="Label"/> with the re-fitted reliabilities, below the recheck target.</param>
/// <param name="PublishedRevision">The revision of that label's <c>label.ready</c>; the item's next decision revises it.</param>
/// <param name="Revision">The item's new revision (collecting).</param>
public sealed record ReopenedItem(string ItemId, string Label, double Confidence, long PublishedRevision, long Revision);
