namespace Labeling.Bench.Calibration;

/// <summary>One row of a reliability table: the items whose confidence falls in [<paramref name="Lower"/>, <paramref name="Upper"/>).</summary>
/// <param name="Lower">Lowest confidence in the bin.</param>
/// <param name="Upper">The bin's upper edge.</param>
/// <param name="IncludesUpper">True for the last bin, which also holds confidence equal to <paramref name="Upper"/> (1).</param>
/// <param name="Stats">Its items' mean confidence and accuracy.</param>
internal sealed record ReliabilityBin(double Lower, double Upper, bool IncludesUpper, CalibrationStats Stats)
{
    /// <summary>Whether <paramref name="confidence"/> falls in this bin.</summary>
    public bool Holds(double confidence) => confidence >= Lower && (confidence < Upper || (IncludesUpper && confidence <= Upper));
}
