using Labeling.Bench.Calibration;

namespace Labeling.Bench.Tests.Calibration;

public sealed class CalibrationTableTests
{
    [Fact]
    public void Lines_TwoBins_GroupRowsBinRowsAndEceWithTheirFigures()
    {
        var report = CalibrationReport.Of([
            new(0.6, true, CalibrationGroup.Review), new(0.6, false, CalibrationGroup.Review),
            new(0.98, true, CalibrationGroup.Crowd), new(0.98, true, CalibrationGroup.Crowd), new(0.98, true, CalibrationGroup.Crowd), new(0.98, false, CalibrationGroup.Crowd),
        ]);

        var lines = CalibrationTable.Lines("toy", report, left: 1);

        Assert.StartsWith("calibration of toy: 6 items with truth and a confidence, 1 without a label or posterior left out;", lines[0], StringComparison.Ordinal);
        Assert.Equal(["all", "6", "0.8533", "0.6667", "-0.1867", "0.9", "2"], Cells(lines, "all "));
        Assert.Equal(["decided", "by", "the", "crowd", "4", "0.9800", "0.7500", "-0.2300", "0.1", "1"], Cells(lines, "decided by the crowd "));
        Assert.Equal(["decided", "otherwise", "0", "-", "-", "-", "-", "-"], Cells(lines, "decided otherwise "));
        Assert.Equal(["[0.50,", "0.80)", "2", "0.6000", "0.5000", "-0.1000"], Cells(lines, "[0.50, 0.80) "));
        Assert.Equal(["[0.97,", "0.99)", "4", "0.9800", "0.7500", "-0.2300"], Cells(lines, "[0.97, 0.99) "));
        Assert.Equal(["[0.99,", "1.00]", "0", "-", "-", "-"], Cells(lines, "[0.99, 1.00] "));
        Assert.StartsWith("ECE 0.1867 ", lines[^1], StringComparison.Ordinal);
    }

    private static string[] Cells(IReadOnlyList<string> lines, string start) =>
        lines.Single(l => l.StartsWith(start, StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
