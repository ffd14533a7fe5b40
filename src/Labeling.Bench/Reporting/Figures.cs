using System.Globalization;

namespace Labeling.Bench.Reporting;

/// <summary>How numbers are printed: invariant culture, fixed decimals.</summary>
internal static class Figures
{
    /// <summary>Accuracy with 4 decimals.</summary>
    public static string Accuracy(double value) => value.ToString("F4", CultureInfo.InvariantCulture);

    /// <summary>Seconds with 6 decimals (small data sets fit in well under a millisecond).</summary>
    public static string Seconds(double value) => value.ToString("F6", CultureInfo.InvariantCulture);

    /// <summary>An integer count.</summary>
    public static string Count(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Bytes as MiB with one decimal.</summary>
    public static string Mebibytes(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("F1", CultureInfo.InvariantCulture) + " MiB";
}
