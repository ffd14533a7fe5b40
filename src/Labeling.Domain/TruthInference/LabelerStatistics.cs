using System.Globalization;

namespace Labeling.Domain.TruthInference;

/// <summary>
/// The sufficient statistics of one labeler for one capability (task type): the expected
/// number of times it answered each label when the truth was each class, accumulated from item
/// posteriors. Its confusion matrix is these counts plus the prior, row-normalised.
/// </summary>
/// <remarks>
/// Counts are kept row-major (<c>[truth * K + answer]</c>) with cached row sums so a
/// probability is one division; both live in one array, next to the cached prior, because a vote
/// touches the statistics of every labeler of its item and each separate array is a cache miss. With a half-life, counts decay lazily: <see cref="DecayTo"/>
/// multiplies everything by 2^(−Δt / half-life) before new evidence is added.
/// </remarks>
public sealed class LabelerStatistics
{
    // [0, K²): counts; [K², K² + K): row sums; then, once an online model reserves them, the
    // community membership (M).
    private double[] _data;
    private readonly int _rowOffset;

    /// <summary>Creates empty statistics for K classes.</summary>
    public LabelerStatistics(string labeler, string capability, int classCount)
    {
        ArgumentException.ThrowIfNullOrEmpty(labeler);
        ArgumentNullException.ThrowIfNull(capability);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        Labeler = labeler;
        Capability = capability;
        ClassCount = classCount;
        _rowOffset = classCount * classCount;
        _data = new double[_rowOffset + classCount];
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
    public ReadOnlySpan<double> Counts => _data.AsSpan(0, _rowOffset);

    /// <summary>Total weight of evidence (expected number of answers, after decay).</summary>
    public double Evidence
    {
        get
        {
            var sum = 0.0;
            for (var t = _rowOffset; t < _rowOffset + ClassCount; t++) sum += _data[t];
            return sum;
        }
    }

    /// <summary>Whether the online model treats the labeler as selective (<see cref="OnlineDawidSkeneOptions.SelectivePrefixes"/>).</summary>
    internal bool Selective { get; set; }

    /// <summary>Dense indices of the items the labeler voted on in its online model, in vote order (see <see cref="OnlineDawidSkene.HeldOutConfusion"/>).</summary>
    internal List<int> Items { get; } = [];

    /// <summary>Items the labeler has a vote on in the model (one vote per item).</summary>
    public int VoteCount => Items.Count;

    /// <summary>Whether an online model has assigned the labeler to communities.</summary>
    internal bool HasMembership { get; set; }

    /// <summary>Community membership r_w (M values summing to one); valid when <see cref="HasMembership"/>.</summary>
    internal Span<double> Membership => _data.AsSpan(_rowOffset + ClassCount);

    /// <summary>Makes room for the online model's M memberships (once, before use).</summary>
    internal void ReserveModel(int communities)
    {
        var size = _rowOffset + ClassCount + communities;
        if (_data.Length >= size) return;
        var grown = new double[size];
        _data.AsSpan(0, _rowOffset + ClassCount).CopyTo(grown);
        _data = grown;
    }

    /// <summary>The evidence the membership was computed at (it is recomputed when this doubles).</summary>
    internal double EvidenceAtRefresh { get; set; }

    internal double Count(int truth, int answer) => _data[(truth * ClassCount) + answer];

    internal double RowSum(int truth) => _data[_rowOffset + truth];

    /// <summary>Row sums Σ_l C[t, l], K values.</summary>
    internal ReadOnlySpan<double> RowSums => _data.AsSpan(_rowOffset, ClassCount);

    /// <summary>Adds <paramref name="scale"/>·<paramref name="truthWeights"/> to the column of the answered label.</summary>
    internal void Add(int answer, ReadOnlySpan<double> truthWeights, double scale)
    {
        var k = ClassCount;
        for (var t = 0; t < k; t++)
        {
            var d = truthWeights[t] * scale;
            _data[(t * k) + answer] += d;
            _data[_rowOffset + t] += d;
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
            _data[c] = Math.Max(0, _data[c] + d);
            _data[_rowOffset + t] = Math.Max(0, _data[_rowOffset + t] + d);
        }
    }

    /// <summary>Applies exponential decay up to <paramref name="now"/> and stamps the time.</summary>
    internal void DecayTo(DateTimeOffset now, TimeSpan? halfLife)
    {
        if (halfLife is { } h && UpdatedAt is { } last && now > last)
        {
            var factor = DecayFactor(now - last, h);
            for (var c = 0; c < _rowOffset + ClassCount; c++) _data[c] *= factor;
        }
        if (UpdatedAt is null || now > UpdatedAt) UpdatedAt = now;
    }

    internal static double DecayFactor(TimeSpan elapsed, TimeSpan halfLife) =>
        elapsed <= TimeSpan.Zero ? 1.0 : Math.Pow(2.0, -elapsed.TotalSeconds / halfLife.TotalSeconds);

    /// <summary>A serialisable copy.</summary>
    public LabelerStatisticsState ToState() => new(
        Labeler, Capability, Counts.ToArray(), UpdatedAt,
        HasMembership ? Membership.ToArray() : null, HasMembership ? EvidenceAtRefresh : 0);

    /// <summary>Restores statistics from <see cref="ToState"/>.</summary>
    /// <exception cref="ArgumentException">The counts do not form a K×K matrix of finite, non-negative values.</exception>
    public static LabelerStatistics FromState(LabelerStatisticsState state, int classCount)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Counts.Length != classCount * classCount)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Labeler '{state.Labeler}' has {state.Counts.Length} counts; {classCount} classes need {classCount * classCount}."), nameof(state));
        var stats = new LabelerStatistics(state.Labeler, state.Capability, classCount) { UpdatedAt = state.UpdatedAt };
        for (var c = 0; c < state.Counts.Length; c++)
        {
            var v = state.Counts[c];
            if (!double.IsFinite(v) || v < 0) throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Labeler '{state.Labeler}' has an invalid count {v} at position {c}."), nameof(state));
            stats._data[c] = v;
            stats._data[stats._rowOffset + (c / classCount)] += v;
        }
        if (state.Membership is { } membership)
        {
            if (membership.Any(r => !double.IsFinite(r) || r < 0))
                throw new ArgumentException($"Labeler '{state.Labeler}' has an invalid community membership.", nameof(state));
            stats.ReserveModel(membership.Length);
            membership.CopyTo(stats.Membership);
            stats.HasMembership = true;
            stats.EvidenceAtRefresh = state.EvidenceAtRefresh;
        }
        return stats;
    }
}
