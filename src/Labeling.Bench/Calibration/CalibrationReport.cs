using System.Globalization;

namespace Labeling.Bench.Calibration;

/// <summary>
/// Whether the confidences shown with labels are calibrated: of the items labeled with confidence about p, a share p
/// should be right. Mean confidence against accuracy overall and per <see cref="CalibrationGroup"/>, a reliability
/// table in confidence bins, and the expected calibration error.
/// </summary>
/// <remarks>
/// The expected calibration error (Naeini, Cooper and Hauskrecht, AAAI 2015; Guo et al., ICML 2017) over bins
/// B₁…B_M of N items is ECE = Σ_m (|B_m| / N) · |acc(B_m) − conf(B_m)|, where acc is the share right in the bin and conf
/// its mean confidence; 0 when every bin is right as often as its confidence says. Empty bins add nothing. Gaps of
/// opposite sign inside one bin cancel, so coarse bins understate miscalibration; a bin of few items has a noisy gap,
/// which overstates it.
/// </remarks>
/// <param name="Overall">Every item.</param>
/// <param name="ByGroup">Every <see cref="CalibrationGroup"/>, in enum order, empty ones included.</param>
/// <param name="Bins">The reliability table, lowest confidence first, empty bins included.</param>
internal sealed record CalibrationReport(CalibrationStats Overall, IReadOnlyList<(CalibrationGroup Group, CalibrationStats Stats)> ByGroup, IReadOnlyList<ReliabilityBin> Bins)
{
    /// <summary>
    /// The bins' edges: below 0.5 (the most likely of three or more labels can be), then finer towards 1, so the crowd
    /// target (0.97 by default) and the re-check target (0.99) are edges.
    /// </summary>
    public static readonly IReadOnlyList<double> DefaultEdges = [0, 0.5, 0.8, 0.9, 0.95, 0.97, 0.99, 1];

    /// <summary>Count-weighted mean of |accuracy − mean confidence| over the bins; NaN without items.</summary>
    public double ExpectedCalibrationError => Overall.Items == 0
        ? double.NaN
        : Bins.Where(b => b.Stats.Items > 0).Sum(b => b.Stats.Items * Math.Abs(b.Stats.Gap)) / Overall.Items;

    /// <summary>Builds the report.</summary>
    /// <param name="points">One per item with truth and a confidence.</param>
    /// <param name="edges">Ascending bin edges from 0 to 1 (<see cref="DefaultEdges"/> when null); the last bin is closed.</param>
    /// <exception cref="ArgumentException">The edges do not rise from 0 to 1, or a confidence is outside [0, 1] or NaN.</exception>
    public static CalibrationReport Of(IEnumerable<CalibrationPoint> points, IReadOnlyList<double>? edges = null)
    {
        ArgumentNullException.ThrowIfNull(points);
        edges ??= DefaultEdges;
        if (edges.Count < 2 || edges[0] != 0 || edges[^1] != 1 || edges.Zip(edges.Skip(1)).Any(p => p.First >= p.Second))
            throw new ArgumentException($"Bin edges must rise strictly from 0 to 1, such as 0, 0.5, 0.9, 1 (got {string.Join(", ", edges.Select(e => e.ToString(CultureInfo.InvariantCulture)))}).", nameof(edges));

        var bins = new CalibrationStats[edges.Count - 1];
        Array.Fill(bins, CalibrationStats.Empty);
        var groups = Enum.GetValues<CalibrationGroup>().ToDictionary(g => g, _ => CalibrationStats.Empty);
        var overall = CalibrationStats.Empty;
        foreach (var point in points)
        {
            if (!(point.Confidence >= 0 && point.Confidence <= 1))
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"A confidence must be a probability in [0, 1] (got {point.Confidence})."), nameof(points));
            var bin = BinOf(point.Confidence, edges);
            bins[bin] = bins[bin].Add(point);
            groups[point.Group] = groups[point.Group].Add(point);
            overall = overall.Add(point);
        }
        return new CalibrationReport(
            overall,
            Enum.GetValues<CalibrationGroup>().Select(g => (g, groups[g])).ToList(),
            bins.Select((stats, b) => new ReliabilityBin(edges[b], edges[b + 1], b == bins.Length - 1, stats)).ToList());
    }

    // The last edge whose value is at most the confidence; 1 itself falls in the last, closed, bin.
    private static int BinOf(double confidence, IReadOnlyList<double> edges)
    {
        for (var b = edges.Count - 2; b > 0; b--)
            if (confidence >= edges[b]) return b;
        return 0;
    }
}
