namespace Labeling.Domain.TruthInference;

/// <summary>
/// The compact, serialisable form of <see cref="LabelerStatistics"/>: K² numbers and a time,
/// small enough for one document-store document per labeler and capability.
/// </summary>
/// <param name="Labeler">The labeler's identifier.</param>
/// <param name="Capability">The capability (task type); empty for the default.</param>
/// <param name="Counts">Row-major K×K expected counts (truth × answer).</param>
/// <param name="UpdatedAt">When evidence was last added, for decay.</param>
/// <param name="Membership">The labeler's community membership in the online model (M values), or
/// null before it has evidence; kept so that a restored model continues exactly.</param>
/// <param name="EvidenceAtRefresh">The evidence at which <paramref name="Membership"/> was computed.</param>
public sealed record LabelerStatisticsState(
    string Labeler, string Capability, double[] Counts, DateTimeOffset? UpdatedAt,
    double[]? Membership = null, double EvidenceAtRefresh = 0);
