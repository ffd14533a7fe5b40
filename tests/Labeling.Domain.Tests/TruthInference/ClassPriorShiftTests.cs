using Labeling.Domain.TruthInference;

namespace Labeling.Domain.Tests.TruthInference;

public sealed class ClassPriorShiftTests
{
    // The population is eight in ten class 0; the group is two in ten. Each item's votes say its class with
    // likelihood ratio 3 either way (a weak reading), so the prior decides many items.
    private static (double[][] Posteriors, int[] Truth) Group(int items, double groupShareOfClass0, double[] prior, int seed)
    {
        var random = new Random(seed);
        var posteriors = new double[items][];
        var truth = new int[items];
        for (var i = 0; i < items; i++)
        {
            truth[i] = random.NextDouble() < groupShareOfClass0 ? 0 : 1;
            // The evidence points the right way three times in four.
            var pointsTo = random.NextDouble() < 0.75 ? truth[i] : 1 - truth[i];
            var likelihood = pointsTo == 0 ? new[] { 3.0, 1.0 } : [1.0, 3.0];
            var row = new[] { likelihood[0] * prior[0], likelihood[1] * prior[1] };
            var sum = row.Sum();
            posteriors[i] = [row[0] / sum, row[1] / sum];
        }

        return (posteriors, truth);
    }

    private static int Correct(IReadOnlyList<double[]> posteriors, int[] truth) =>
        truth.Where((t, i) => (posteriors[i][0] >= posteriors[i][1] ? 0 : 1) == t).Count();

    [Fact]
    public void Fit_GroupWithAnotherClassMix_LearnsItAndReadsMoreItemsRight()
    {
        double[] prior = [0.8, 0.2];
        var (posteriors, truth) = Group(2000, 0.2, prior, seed: 7);

        var shift = ClassPriorShift.Fit(posteriors, prior, strength: 0);

        Assert.InRange(shift.Prior[0], 0.15, 0.25);
        Assert.Equal(1.0, shift.Prior.Sum(), 12);
        // With the population's prior every item reads class 0 (evidence for class 1 gives 1 × 0.8 against 3 × 0.2),
        // a fifth of the group right; with the group's own every item reads class 1, four fifths right.
        Assert.True(Correct(shift.Posteriors, truth) > Correct(posteriors, truth) + 400,
            $"{Correct(shift.Posteriors, truth)} right with the group's mix, {Correct(posteriors, truth)} with the population's");
    }

    [Fact]
    public void Fit_EachStep_NeverLowersTheGroupsLikelihood()
    {
        double[] prior = [0.8, 0.2];
        var (posteriors, _) = Group(300, 0.3, prior, seed: 11);

        var shift = ClassPriorShift.Fit(posteriors, prior, strength: 0);

        // Σ_i log Σ_t ρ_t L_it with L_it ∝ p_it / π_t: the learned mix explains the group at least as well as the population's.
        static double LogLikelihood(double[][] posteriors, double[] prior, IReadOnlyList<double> mix) =>
            posteriors.Sum(p => Math.Log((mix[0] * p[0] / prior[0]) + (mix[1] * p[1] / prior[1])));
        Assert.True(LogLikelihood(posteriors, prior, shift.Prior) > LogLikelihood(posteriors, prior, prior) + 1.0);
        Assert.InRange(shift.Iterations, 2, ClassPriorShift.MaxIterations - 1);
    }

    [Fact]
    public void Fit_StrengthFarAboveTheGroup_KeepsThePopulationsPriorAndPosteriors()
    {
        double[] prior = [0.8, 0.2];
        var (posteriors, _) = Group(20, 0.2, prior, seed: 3);

        var shift = ClassPriorShift.Fit(posteriors, prior, strength: 1e9);

        Assert.Equal(0.8, shift.Prior[0], 6);
        for (var i = 0; i < posteriors.Length; i++) Assert.Equal(posteriors[i][0], shift.Posteriors[i][0], 6);
    }

    [Fact]
    public void Fit_FewItemsAndTheDefaultStrength_MovesThePriorPartWay()
    {
        double[] prior = [0.8, 0.2];
        // Three items all clearly of class 1: alone they would put the group's prior near 0; ten pseudo-items at
        // the population's prior hold it near (3 × 0 + 10 × 0.8) / 13.
        double[][] posteriors = [[0.01, 0.99], [0.01, 0.99], [0.01, 0.99]];

        var shift = ClassPriorShift.Fit(posteriors, prior, strength: 10);

        Assert.InRange(shift.Prior[0], 0.55, 0.65);
    }

    [Fact]
    public void Fit_NoItems_ReturnsThePriorAndNoIterations()
    {
        var shift = ClassPriorShift.Fit([], [0.3, 0.7], strength: 10);

        Assert.Equal([0.3, 0.7], shift.Prior);
        Assert.Empty(shift.Posteriors);
        Assert.Equal(0, shift.Iterations);
    }

    [Fact]
    public void Fit_BadInput_IsRefusedWithTheReason()
    {
        Assert.Contains("above zero", Assert.Throws<ArgumentException>(() => ClassPriorShift.Fit([[0.5, 0.5]], [1.0, 0.0], 10)).Message, StringComparison.Ordinal);
        Assert.Contains("2 values", Assert.Throws<ArgumentException>(() => ClassPriorShift.Fit([[0.2, 0.3, 0.5]], [0.5, 0.5], 10)).Message, StringComparison.Ordinal);
        Assert.Contains("finite", Assert.Throws<ArgumentException>(() => ClassPriorShift.Fit([[double.NaN, 0.5]], [0.5, 0.5], 10)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => ClassPriorShift.Fit([[0.5, 0.5]], [0.5, 0.5], -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ClassPriorShift.Fit([[0.5, 0.5]], [0.5, 0.5], double.PositiveInfinity));
        Assert.Throws<ArgumentException>(() => ClassPriorShift.Fit([[0.5, 0.5]], [], 10));
    }
}
