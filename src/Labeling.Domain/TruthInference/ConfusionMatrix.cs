using System.Globalization;

namespace Labeling.Domain.TruthInference;

/// <summary>
/// A labeler's estimated confusion matrix: <c>this[t, l]</c> is the probability that the labeler
/// answers label <c>l</c> when the true label is <c>t</c>. Each row sums to one. Immutable.
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly double[] _values;

    /// <summary>Creates a matrix from a row-major K×K array (copied).</summary>
    public ConfusionMatrix(ReadOnlySpan<double> rowMajor, int classCount)
    {
        if (classCount <= 0) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "A confusion matrix needs at least one class.");
        if (rowMajor.Length != classCount * classCount)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Expected {classCount * classCount} values for {classCount} classes, got {rowMajor.Length}."), nameof(rowMajor));
        ClassCount = classCount;
        _values = rowMajor.ToArray();
    }

    /// <summary>Number of classes K.</summary>
    public int ClassCount { get; }

    /// <summary>P(answer = <paramref name="answer"/> | truth = <paramref name="truth"/>).</summary>
    public double this[int truth, int answer] => _values[(truth * ClassCount) + answer];

    /// <summary>The diagonal's mean: the labeler's accuracy if every class were equally likely.</summary>
    public double BalancedAccuracy
    {
        get
        {
            var sum = 0.0;
            for (var k = 0; k < ClassCount; k++) sum += this[k, k];
            return sum / ClassCount;
        }
    }

    /// <summary>Accuracy under the given class distribution: Σ_t prior[t]·this[t,t].</summary>
    public double Accuracy(ReadOnlySpan<double> classPriors)
    {
        var sum = 0.0;
        for (var k = 0; k < ClassCount; k++) sum += classPriors[k] * this[k, k];
        return sum;
    }

    /// <summary>A row-major copy of the values.</summary>
    public double[] ToArray() => (double[])_values.Clone();
}
