namespace Labeling.Domain.TruthInference;

/// <summary>One factor of an item's posterior (<see cref="OnlineDawidSkene.Factors"/>).</summary>
/// <param name="Labeler">The labeler it comes from.</param>
/// <param name="Label">The label index it voted, or null for a selective labeler's silence.</param>
/// <param name="Column">The factor for each class, in class order.</param>
/// <param name="Evidence">The evidence behind it, in answers (for a silence, in checked items).</param>
public sealed record PosteriorFactor(string Labeler, int? Label, IReadOnlyList<double> Column, double Evidence);
