namespace Labeling.Domain.TruthInference;

/// <summary>Numerical helpers shared by the inference methods.</summary>
internal static class Probability
{
    /// <summary>Smallest probability a model may assign: keeps log() finite.</summary>
    public const double Floor = 1e-12;

    /// <summary>
    /// Turns log-weights into a normalised distribution in place and returns log Σ exp(x).
    /// The maximum is subtracted before exponentiating so nothing overflows, and a row whose
    /// values are all −∞ becomes uniform rather than NaN.
    /// </summary>
    public static double NormalizeLog(Span<double> logWeights)
    {
        var max = double.NegativeInfinity;
        foreach (var v in logWeights) if (v > max) max = v;
        if (double.IsNegativeInfinity(max))
        {
            logWeights.Fill(1.0 / logWeights.Length);
            return double.NegativeInfinity;
        }
        var sum = 0.0;
        for (var k = 0; k < logWeights.Length; k++)
        {
            var e = Math.Exp(logWeights[k] - max);
            logWeights[k] = e;
            sum += e;
        }
        var inv = 1.0 / sum;
        for (var k = 0; k < logWeights.Length; k++) logWeights[k] *= inv;
        return max + Math.Log(sum);
    }

    /// <summary>Divides each value by the span's sum; a zero-sum span becomes uniform.</summary>
    public static void Normalize(Span<double> values)
    {
        var sum = 0.0;
        foreach (var v in values) sum += v;
        if (sum <= 0 || !double.IsFinite(sum))
        {
            values.Fill(1.0 / values.Length);
            return;
        }
        var inv = 1.0 / sum;
        for (var k = 0; k < values.Length; k++) values[k] *= inv;
    }

    /// <summary>log(max(p, Floor)).</summary>
    public static double SafeLog(double p) => Math.Log(Math.Max(p, Floor));

    /// <summary>Soft majority vote: each item's posterior is its answers' label shares (uniform without answers).</summary>
    public static double[] VoteShares(AnswerMatrix data, ReadOnlySpan<double> workerWeights = default)
    {
        var k = data.ClassCount;
        var shares = new double[data.ItemCount * k];
        var offsets = data.ItemOffsets;
        var workers = data.AnswerWorker;
        var labels = data.AnswerLabel;
        for (var i = 0; i < data.ItemCount; i++)
        {
            var row = shares.AsSpan(i * k, k);
            for (var p = offsets[i]; p < offsets[i + 1]; p++)
                row[labels[p]] += workerWeights.IsEmpty ? 1.0 : workerWeights[workers[p]];
            Normalize(row);
        }
        return shares;
    }

    /// <summary>Column means of a row-major matrix: the class distribution implied by posteriors.</summary>
    public static double[] ClassShares(ReadOnlySpan<double> posteriors, int items, int classes, double pseudoCount = 0)
    {
        var prior = new double[classes];
        for (var i = 0; i < items; i++)
            for (var t = 0; t < classes; t++) prior[t] += posteriors[(i * classes) + t];
        for (var t = 0; t < classes; t++) prior[t] += pseudoCount;
        Normalize(prior);
        return prior;
    }
}
