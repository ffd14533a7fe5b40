namespace Labeling.Application.Truth;

/// <summary>A decided item whose label the batch re-fit would not have chosen.</summary>
/// <param name="ItemId">The item.</param>
/// <param name="DecidedLabel">The label it was given.</param>
/// <param name="BatchLabel">The batch posterior's most probable label.</param>
/// <param name="BatchConfidence">The batch posterior of <paramref name="BatchLabel"/>.</param>
public sealed record ItemDisagreement(string ItemId, string DecidedLabel, string BatchLabel, double BatchConfidence);
