namespace Labeling.Bench.Calibration;

/// <summary>Mean confidence against accuracy over a set of items (a group or a confidence bin).</summary>
/// <param name="Items">Items counted.</param>
/// <param name="ConfidenceSum">Sum of their confidences: the right labels the model expects.</param>
/// <param name="Correct">Items whose label is the true one.</param>
internal sealed record CalibrationStats(int Items, double ConfidenceSum, int Correct)
{
    /// <summary>No items.</summary>
    public static readonly CalibrationStats Empty = new(0, 0, 0);

    /// <summary>Mean confidence; NaN without items.</summary>
    public double MeanConfidence => Items == 0 ? double.NaN : ConfidenceSum / Items;

    /// <summary>Share of items right; NaN without items.</summary>
    public double Accuracy => Items == 0 ? double.NaN : (double)Correct / Items;

    /// <summary>Accuracy minus mean confidence: below zero the confidences promise more than the labels deliver.</summary>
    public double Gap => Accuracy - MeanConfidence;

    /// <summary>Wrong labels the confidences predict: the sum of 1 − confidence.</summary>
    public double ExpectedWrong => Items - ConfidenceSum;

    /// <summary>Wrong labels counted against truth.</summary>
    public int Wrong => Items - Correct;

    /// <summary>These items and one more.</summary>
    public CalibrationStats Add(CalibrationPoint point) => new(Items + 1, ConfidenceSum + point.Confidence, Correct + (point.Correct ? 1 : 0));
}
