namespace Labeling.Application.Truth;

/// <summary>One labeler's reliability before (online) and after (batch) a re-fit.</summary>
/// <param name="LabelerId">The labeler.</param>
/// <param name="Votes">Its label votes in the window.</param>
/// <param name="OnlineAccuracy">Accuracy under the class priors, from the online statistics; for a rule, the share of its
/// votes that are right (its precision), as its firing rates and the class priors give it.</param>
/// <param name="BatchAccuracy">The same from the re-fitted statistics.</param>
/// <param name="MaxConfusionDifference">The largest absolute difference between any cell of the two confusion matrices (for a
/// rule, of its firing rates; <c>OnlineDawidSkene.Reading</c>).</param>
public sealed record LabelerDrift(string LabelerId, int Votes, double OnlineAccuracy, double BatchAccuracy, double MaxConfusionDifference)
{
    /// <summary>Batch minus online accuracy: negative when the online model trusted the labeler too much.</summary>
    public double AccuracyChange => BatchAccuracy - OnlineAccuracy;
}
