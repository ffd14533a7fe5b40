using Labeling.Bench.Calibration;

namespace Labeling.Bench.Tests.Calibration;

public sealed class CalibrationReportTests
{
    private const double Tolerance = 1e-12;

    private static CalibrationPoint Right(double confidence, CalibrationGroup group = CalibrationGroup.Crowd) => new(confidence, true, group);

    private static CalibrationPoint Wrong(double confidence, CalibrationGroup group = CalibrationGroup.Crowd) => new(confidence, false, group);

    private static ReliabilityBin BinFrom(CalibrationReport report, double lower) => report.Bins.Single(b => b.Lower == lower);

    [Fact]
    public void Of_TwoBinsByHand_MeansAccuraciesAndEce()
    {
        // [0.5, 0.8): 0.6 right, 0.6 wrong: mean 0.6, accuracy 0.5, gap -0.1.
        // [0.97, 0.99): 0.98 three right, one wrong: mean 0.98, accuracy 0.75, gap -0.23.
        // ECE = (2 · 0.1 + 4 · 0.23) / 6 = 1.12 / 6.
        var report = CalibrationReport.Of([Right(0.6), Wrong(0.6), Right(0.98), Right(0.98), Right(0.98), Wrong(0.98)]);

        var low = BinFrom(report, 0.5);
        Assert.Equal(2, low.Stats.Items);
        Assert.Equal(0.6, low.Stats.MeanConfidence, Tolerance);
        Assert.Equal(0.5, low.Stats.Accuracy, Tolerance);
        Assert.Equal(-0.1, low.Stats.Gap, Tolerance);
        var high = BinFrom(report, 0.97);
        Assert.Equal(4, high.Stats.Items);
        Assert.Equal(0.98, high.Stats.MeanConfidence, Tolerance);
        Assert.Equal(0.75, high.Stats.Accuracy, Tolerance);
        Assert.Equal(1.12 / 6, report.ExpectedCalibrationError, Tolerance);
        Assert.Equal(6, report.Overall.Items);
        Assert.Equal(4.0 / 6, report.Overall.Accuracy, Tolerance);
        Assert.Equal((1.2 + 3.92) / 6, report.Overall.MeanConfidence, Tolerance);
        // Every other bin is there and empty.
        Assert.Equal(7, report.Bins.Count);
        Assert.Equal(6, report.Bins.Sum(b => b.Stats.Items));
        Assert.All(report.Bins.Where(b => b.Lower is not (0.5 or 0.97)), b => Assert.True(double.IsNaN(b.Stats.Accuracy)));
    }

    [Fact]
    public void Of_OverconfidentAndUnderconfidentBins_EceDoesNotLetThemCancel()
    {
        // 0.6 and always right (+0.4); 1.0 and right three times in five (-0.4). Overall 0.8 against 0.8.
        var report = CalibrationReport.Of([
            Right(0.6), Right(0.6), Right(0.6), Right(0.6), Right(0.6),
            Right(1), Right(1), Right(1), Wrong(1), Wrong(1),
        ]);

        Assert.Equal(0, report.Overall.Gap, Tolerance);
        Assert.Equal(0.4, report.ExpectedCalibrationError, Tolerance);
    }

    [Fact]
    public void Of_RightAsOftenAsTheConfidenceSays_EceZero()
    {
        // Nine in ten right at 0.9, and every one right at 1.
        var points = Enumerable.Repeat(Right(0.9), 9).Append(Wrong(0.9)).Concat(Enumerable.Repeat(Right(1), 5));

        var report = CalibrationReport.Of(points);

        Assert.Equal(0, report.ExpectedCalibrationError, Tolerance);
        Assert.Equal(1.0, report.Overall.ExpectedWrong, 1e-9);
        Assert.Equal(1, report.Overall.Wrong);
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.4999, 0.0)]
    [InlineData(0.5, 0.5)]
    [InlineData(0.9499999, 0.9)]
    [InlineData(0.95, 0.95)]
    [InlineData(0.969999, 0.95)]
    [InlineData(0.97, 0.97)]
    [InlineData(0.989999, 0.97)]
    [InlineData(0.99, 0.99)]
    [InlineData(1.0, 0.99)]
    public void Of_ConfidenceOnOrNearAnEdge_FallsInTheBinStartingThere(double confidence, double lower)
    {
        var report = CalibrationReport.Of([Right(confidence)]);

        var bin = Assert.Single(report.Bins, b => b.Stats.Items == 1);
        Assert.Equal(lower, bin.Lower);
        Assert.True(bin.Holds(confidence));
    }

    [Fact]
    public void Of_Groups_EachCountedOnItsOwnAndEmptyOnesListed()
    {
        var report = CalibrationReport.Of([
            Right(0.99), Wrong(0.98),
            Right(0.7, CalibrationGroup.Review), Right(0.9, CalibrationGroup.Review), Wrong(0.8, CalibrationGroup.Review),
        ]);

        Assert.Equal(Enum.GetValues<CalibrationGroup>(), report.ByGroup.Select(g => g.Group));
        var crowd = report.ByGroup.Single(g => g.Group == CalibrationGroup.Crowd).Stats;
        Assert.Equal(2, crowd.Items);
        Assert.Equal(0.985, crowd.MeanConfidence, Tolerance);
        Assert.Equal(0.5, crowd.Accuracy, Tolerance);
        Assert.Equal(0.03, crowd.ExpectedWrong, 1e-9);
        Assert.Equal(1, crowd.Wrong);
        var review = report.ByGroup.Single(g => g.Group == CalibrationGroup.Review).Stats;
        Assert.Equal(3, review.Items);
        Assert.Equal(0.8, review.MeanConfidence, Tolerance);
        Assert.Equal(2.0 / 3, review.Accuracy, Tolerance);
        Assert.Equal(0, report.ByGroup.Single(g => g.Group == CalibrationGroup.Other).Stats.Items);
        Assert.True(double.IsNaN(report.ByGroup.Single(g => g.Group == CalibrationGroup.Collecting).Stats.MeanConfidence));
    }

    [Fact]
    public void Of_CustomEdges_BinsFollowThem()
    {
        var report = CalibrationReport.Of([Right(0.2), Wrong(0.7), Right(0.75)], [0, 0.5, 1]);

        Assert.Equal(2, report.Bins.Count);
        Assert.Equal(1, report.Bins[0].Stats.Items);
        Assert.Equal(2, report.Bins[1].Stats.Items);
        // (1 · |1 - 0.2| + 2 · |0.5 - 0.725|) / 3
        Assert.Equal((0.8 + 0.45) / 3, report.ExpectedCalibrationError, Tolerance);
    }

    [Fact]
    public void Of_NoItems_EceIsNotANumber()
    {
        var report = CalibrationReport.Of([]);

        Assert.Equal(0, report.Overall.Items);
        Assert.True(double.IsNaN(report.ExpectedCalibrationError));
        Assert.All(report.Bins, b => Assert.Equal(0, b.Stats.Items));
    }

    [Theory]
    [InlineData(1.0000001)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void Of_ConfidenceNotAProbability_Throws(double confidence)
    {
        var error = Assert.Throws<ArgumentException>(() => CalibrationReport.Of([Right(confidence)]));

        Assert.Contains("[0, 1]", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { 0.5, 1.0 })]
    [InlineData(new[] { 0.0, 0.9 })]
    [InlineData(new[] { 0.0, 0.8, 0.8, 1.0 })]
    [InlineData(new[] { 0.0 })]
    public void Of_EdgesNotRisingFromZeroToOne_Throws(double[] edges)
    {
        var error = Assert.Throws<ArgumentException>(() => CalibrationReport.Of([Right(0.9)], edges));

        Assert.Contains("rise strictly from 0 to 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Of_EdgesNotRising_MessageWritesThemAsEverywhere()
    {
        // string.Join of doubles formats each by the current culture, which the analyzer does not see: "0,9, 0,5" in de-DE.
        var error = Assert.Throws<ArgumentException>(() => CalibrationReport.Of([Right(0.9)], [0, 0.9, 0.5, 1]));

        Assert.Contains("(got 0, 0.9, 0.5, 1)", error.Message, StringComparison.Ordinal);
    }
}
