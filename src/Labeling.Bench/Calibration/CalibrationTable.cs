using System.Globalization;
using Labeling.Bench.Reporting;

namespace Labeling.Bench.Calibration;

/// <summary>A <see cref="CalibrationReport"/> as text: the groups, the reliability table and the ECE, columns aligned.</summary>
internal static class CalibrationTable
{
    private static readonly string[] GroupHeadings = ["labels", "items", "mean_conf", "accuracy", "gap", "expected_wrong", "wrong"];
    private static readonly string[] BinHeadings = ["confidence", "items", "mean_conf", "accuracy", "gap"];

    /// <summary>The report's lines, headed by <paramref name="title"/>.</summary>
    /// <param name="title">What was measured, such as <c>dog</c>.</param>
    /// <param name="report">The report.</param>
    /// <param name="left">Items with truth left out because they have no label and no posterior.</param>
    public static IReadOnlyList<string> Lines(string title, CalibrationReport report, int left = 0)
    {
        ArgumentNullException.ThrowIfNull(report);
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture,
                $"calibration of {title}: {report.Overall.Items} items with truth and a confidence{(left > 0 ? $", {left} without a label or posterior left out" : "")}; gap = accuracy - mean confidence, below 0 overconfident"),
        };
        var groups = new List<string[]> { Stats("all", report.Overall, wrongs: true) };
        groups.AddRange(report.ByGroup.Select(g => Stats(Name(g.Group), g.Stats, wrongs: true)));
        lines.AddRange(Aligned(GroupHeadings, groups));
        lines.Add("");
        lines.AddRange(Aligned(BinHeadings, report.Bins.Select(b => Stats(Range(b), b.Stats, wrongs: false)).ToList()));
        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"ECE {Figure(report.ExpectedCalibrationError)} (count-weighted |accuracy - mean confidence| over the {report.Bins.Count} bins)"));
        return lines;
    }

    private static string Name(CalibrationGroup group) => group switch
    {
        CalibrationGroup.Crowd => "decided by the crowd",
        CalibrationGroup.Other => "decided otherwise",
        CalibrationGroup.Review => "in review (posterior)",
        CalibrationGroup.Collecting => "collecting (posterior)",
        _ => group.ToString(),
    };

    private static string Range(ReliabilityBin bin) => string.Create(CultureInfo.InvariantCulture,
        $"[{bin.Lower:0.00#}, {bin.Upper:0.00#}{(bin.IncludesUpper ? "]" : ")")}");

    private static string[] Stats(string name, CalibrationStats stats, bool wrongs)
    {
        string[] cells = [name, Figures.Count(stats.Items), Figure(stats.MeanConfidence), Figure(stats.Accuracy), Signed(stats.Gap)];
        if (!wrongs) return cells;
        return [.. cells, stats.Items == 0 ? "-" : stats.ExpectedWrong.ToString("F1", CultureInfo.InvariantCulture), stats.Items == 0 ? "-" : Figures.Count(stats.Wrong)];
    }

    private static string Figure(double value) => double.IsNaN(value) ? "-" : Figures.Accuracy(value);

    private static string Signed(double value) => double.IsNaN(value) ? "-" : value.ToString("+0.0000;-0.0000;0.0000", CultureInfo.InvariantCulture);

    private static IEnumerable<string> Aligned(string[] headings, IReadOnlyList<string[]> rows)
    {
        var widths = headings.Select(h => h.Length).ToArray();
        foreach (var cells in rows)
            for (var c = 0; c < cells.Length; c++) widths[c] = Math.Max(widths[c], cells[c].Length);
        yield return Line(headings, widths);
        yield return string.Join("  ", widths.Select(w => new string('-', w)));
        foreach (var cells in rows) yield return Line(cells, widths);
    }

    private static string Line(string[] cells, int[] widths) =>
        string.Join("  ", cells.Select((cell, c) => c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd();
}
