namespace Labeling.Bench.Replay;

/// <summary>One data set's replay result.</summary>
/// <param name="Dataset">The data set folder's name.</param>
/// <param name="Accuracy">Share of truth rows whose item ended with the true label (decided, or most likely when undecided).</param>
/// <param name="VotesUsed">Crowd votes the server recorded on the project.</param>
/// <param name="VotesRecorded">Rows of answers.csv.</param>
/// <param name="Items">Items uploaded.</param>
/// <param name="Decided">Items decided by the crowd.</param>
/// <param name="NeedsReview">Items that reached the vote limit undecided.</param>
/// <param name="Collecting">Items still collecting when no recorded answer could move them on.</param>
/// <param name="Seconds">Wall time of the replay, upload and scoring included.</param>
/// <param name="RefitAccuracy">Accuracy of batch Dawid–Skene fitted afterwards to the crowd votes the replay used.</param>
/// <param name="ReferenceAccuracy">Accuracy of batch Dawid–Skene on every recorded vote, the replay target's reference.</param>
/// <param name="Run">Which run of the data set this is, from 1 (see <c>--runs</c>).</param>
internal sealed record ReplayRow(
    string Dataset, double Accuracy, long VotesUsed, int VotesRecorded, int Items, int Decided, int NeedsReview, int Collecting, double Seconds,
    double RefitAccuracy, double ReferenceAccuracy, int Run)
{
    /// <summary>Share of recorded votes the replay did not need.</summary>
    public double Saved => VotesRecorded == 0 ? 0 : 1 - (double)VotesUsed / VotesRecorded;

    /// <summary>The final labels' confidences against truth, with <c>--calibration</c>; null without it.</summary>
    public ReplayCalibration? Calibration { get; init; }
}
