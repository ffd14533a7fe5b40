namespace Labeling.Application.Truth;

/// <summary>A decided item whose label a batch re-fit replaced, with a new <c>label.ready</c> event.</summary>
/// <param name="ItemId">The item.</param>
/// <param name="PreviousLabel">The label it had.</param>
/// <param name="Label">The label the batch posterior chose, now the item's label.</param>
/// <param name="Confidence">The batch posterior of <paramref name="Label"/>.</param>
/// <param name="Revises">The item revision of the replaced decision (its event id was <c>{itemId}-r{Revises}</c>).</param>
/// <param name="Revision">The item's new revision (the new event id is <c>{itemId}-r{Revision}</c>).</param>
public sealed record RevisedLabel(string ItemId, string PreviousLabel, string Label, double Confidence, long Revises, long Revision);
