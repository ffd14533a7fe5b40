using System.Globalization;

namespace Labeling.Bench.Load;

/// <summary>Request latencies in milliseconds, summarized by nearest-rank percentiles.</summary>
internal sealed class LatencySample
{
    private readonly List<double> _milliseconds = [];

    /// <summary>Number of requests recorded.</summary>
    public int Count => _milliseconds.Count;

    /// <summary>Records one request's latency.</summary>
    public void Add(double milliseconds) => _milliseconds.Add(milliseconds);

    /// <summary>Adds every latency of <paramref name="other"/>.</summary>
    public void AddRange(LatencySample other) => _milliseconds.AddRange(other._milliseconds);

    /// <summary>The <paramref name="percent"/>th percentile (nearest rank), NaN when empty.</summary>
    public double Percentile(double percent)
    {
        if (_milliseconds.Count == 0) return double.NaN;
        _milliseconds.Sort();
        var rank = (int)Math.Ceiling(percent / 100 * _milliseconds.Count);
        return _milliseconds[Math.Clamp(rank - 1, 0, _milliseconds.Count - 1)];
    }

    /// <summary><c>p50 / p95 / p99 / max</c> in milliseconds with two decimals.</summary>
    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"p50 {Percentile(50):F2} ms, p95 {Percentile(95):F2} ms, p99 {Percentile(99):F2} ms, max {Percentile(100):F2} ms");
}
