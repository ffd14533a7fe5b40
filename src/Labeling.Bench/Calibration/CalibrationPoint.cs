namespace Labeling.Bench.Calibration;

/// <summary>One item with truth: the confidence shown for its label, and whether that label is the true one.</summary>
/// <param name="Confidence">The label's probability, in [0, 1].</param>
/// <param name="Correct">Whether the label equals the truth.</param>
/// <param name="Group">How the item got its label.</param>
internal readonly record struct CalibrationPoint(double Confidence, bool Correct, CalibrationGroup Group);
