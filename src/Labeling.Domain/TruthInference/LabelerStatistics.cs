namespace Labeling.Domain.TruthInference;

/// <summary>
/// The sufficient statistics of one labeler for one capability (task type): the expected
/// number of times it answered each label when the truth was each class, accumulated from item
/// posteriors. Its confusion matrix is these counts plus the prior, row-normalised.
/// </summary>
/// <remarks>
/// Counts are kept row-major (<c>[truth * K + answer]</c>) with cached row sums so a
/// probability is one division. With a half-life, counts decay lazily: <see cref="DecayTo"/>
/// multiplies everything by 2^(−Δt / half-life) before new evidence is added.
/// </remarks>
public sealed class LabelerStatistics
{
    private readonly double[] _counts;
    private readonly double[] _rowSums;

    /// <summary>Creates empty statistics for K classes.</summary>
    public LabelerStatistics(string labeler, string capability, int classCount)
    {
        ArgumentException.ThrowIfNullOrEmpty(labeler);
        ArgumentNullException.ThrowIfNull(capability);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        Labeler = labeler;
        Capability = capability;
        ClassCount = classCount;
        _counts = new double[classCount * classCount];
        _rowSums = new double[classCount];
    }

    /// <summary>The labeler's identifier.</summary>
    public string Labeler { get; }

    /// <summary>The capability (task type) these statistics are for; empty for the default.</summary>
    public string Capability { get; }

    /// <summary>Number of classes K.</summary>
    public int ClassCount { get; }

    /// <summary>When evidence was last added (for decay); null when never or without timestamps.</summary>
    public DateTimeOffset? UpdatedAt { get; private set; }

    /// <summary>Expected answer counts, row-major K×K (truth × answer).</summary>
    public ReadOnlySpan<double> Counts => _counts;

    /// <summary>Total weight of evidence (expected number of answers, after decay).</summary>
    public double Evidence
    {
        get
        {
            var sum = 0.0;
            foreach (var r in _rowSums) sum += r;
            return sum;
        }
    }

    internal double Count(int truth, int answer) => _counts[(truth * ClassCount) + answer];

    internal double RowSum(int truth) => _rowSums[truth];

    /// <summary>Adds <paramref name="scale"/>·<paramref name="truthWeights"/> to the column of the answered label.</summary>
    internal void Add(int answer, ReadOnlySpan<double> truthWeights, double scale)
    {
        var k = ClassCount;
        for (var t = 0; t < k; t++)
        {
            var d = truthWeights[t] * scale;
            _counts[(t * k) + answer] += d;
            _rowSums[t] += d;
        }
    }

    /// <summary>Adds the difference <paramref name="after"/>·1 − <paramref name="before"/>·<paramref name="beforeScale"/>.</summary>
    internal void Replace(int answer, ReadOnlySpan<double> before, double beforeScale, ReadOnlySpan<double> after)
    {
        var k = ClassCount;
        for (var t = 0; t < k; t++)
        {
            var d = after[t] - (before[t] * beforeScale);
            var c = (t * k) + answer;
            // Subtracting contributions can leave −1e-17 residues; counts are never negative.
            _counts[c] = Math.Max(0, _counts[c] + d);
            _rowSums[t] = Math.Max(0, _rowSums[t] + d);
        }
    }

    /// <summary>Applies exponential decay up to <paramref name="now"/> and stamps the time.</summary>
    internal void DecayTo(DateTimeOffset now, TimeSpan? halfLife)
    {
        if (halfLife is { } h && UpdatedAt is { } last && now > last)
        {
            var factor = DecayFactor(now - last, h);
            for (var c = 0; c < _counts.Length; c++) _counts[c] *= factor;
            for (var t = 0; t < _rowSums.Length; t++) _rowSums[t] *= factor;
        }
        if (UpdatedAt is null || now > UpdatedAt) UpdatedAt = now;
    }

    internal static double DecayFactor(TimeSpan elapsed, TimeSpan halfLife) =>
        elapsed <= TimeSpan.Zero ? 1.0 : Math.Pow(2.0, -elapsed.TotalSeconds / halfLife.TotalSeconds);

    /// <summary>A serialisable copy.</summary>
    public LabelerStatisticsState ToState() => new(Labeler, Capability, _counts.ToArray(), UpdatedAt);

    /// <summary>Restores statistics from <see cref="ToState"/>.</summary>
    /// <exception cref="ArgumentException">The counts do not form a K×K matrix of finite, non-negative values.</exception>
    public static LabelerStatistics FromState(LabelerStatisticsState state, int classCount)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Counts.Length != classCount * classCount)
            throw new ArgumentException($"Labeler '{state.Labeler}' has {state.Counts.Length} counts; {classCount} classes need {classCount * classCount}.", nameof(state));
        var stats = new LabelerStatistics(state.Labeler, state.Capability, classCount) { UpdatedAt = state.UpdatedAt };
        for (var c = 0; c < state.Counts.Length; c++)
        {
            var v = state.Counts[c];
            if (!double.IsFinite(v) || v < 0) throw new ArgumentException($"Labeler '{state.Labeler}' has an invalid count {v} at position {c}.", nameof(state));
            stats._counts[c] = v;
            stats._rowSums[c / classCount] += v;
        }
        return stats;
    }
}
