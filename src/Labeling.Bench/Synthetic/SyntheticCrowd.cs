namespace Labeling.Bench.Synthetic;

/// <summary>
/// A simulated crowd with known truth, for benchmarks and seeded tests.
/// </summary>
/// <remarks>
/// <para>Classes: P(z = k) ∝ 0.85^k, a mild skew (K = 5 gives 0.27, 0.23, 0.19, 0.16, 0.14).</para>
/// <para>Workers, each drawn independently: 30% experts (accuracy 0.9 ± 0.05), 45% noisy
/// (0.65 ± 0.10), 7.5% uniform spammers, 7.5% constant spammers (one fixed label), 10%
/// adversaries (answer c+1 mod K for class c with probability 0.7 ± 0.05). Wrong answers are
/// spread uniformly over the other labels. Worker kinds are drawn, so small crowds deviate from
/// the proportions.</para>
/// <para>Each item gets R distinct workers drawn uniformly (a partial Fisher–Yates shuffle of a
/// persistent permutation, O(R) per item). One <see cref="Random"/> seeded once drives workers,
/// truth, assignment and answers in that order, so a seed fixes the whole data set. Memory is
/// O(W); answers are handed to an <see cref="ICrowdSink"/> as they are drawn.</para>
/// </remarks>
internal sealed class SyntheticCrowd
{
    /// <summary>Share of experts.</summary>
    public const double ExpertShare = 0.30;

    /// <summary>Share of noisy workers.</summary>
    public const double NoisyShare = 0.45;

    /// <summary>Share of uniform spammers.</summary>
    public const double UniformSpammerShare = 0.075;

    /// <summary>Share of constant spammers.</summary>
    public const double ConstantSpammerShare = 0.075;

    /// <summary>Share of adversaries (the rest).</summary>
    public const double AdversaryShare = 1.0 - ExpertShare - NoisyShare - UniformSpammerShare - ConstantSpammerShare;

    private const double ClassDecay = 0.85;
    private readonly SyntheticCrowdOptions _options;
    private readonly Random _random;
    private readonly SimulatedWorker[] _workers;
    private readonly double[] _classCumulative;

    public SyntheticCrowd(SyntheticCrowdOptions options)
    {
        options.Validate();
        _options = options;
        _random = new Random(options.Seed);
        _workers = new SimulatedWorker[options.Workers];
        for (var w = 0; w < _workers.Length; w++) _workers[w] = DrawWorker(options.Labels);
        _classCumulative = ClassCumulative(options.Labels);
    }

    /// <summary>The simulated workers by index.</summary>
    public IReadOnlyList<SimulatedWorker> Workers => _workers;

    /// <summary>Draws every item and its R answers into <paramref name="sink"/>, item by item.</summary>
    /// <param name="sink">Receives items and votes.</param>
    /// <param name="progress">Called with the number of items done, every 4,096 items.</param>
    public void Generate(ICrowdSink sink, Action<int>? progress = null)
    {
        var k = _options.Labels;
        var permutation = new int[_options.Workers];
        for (var w = 0; w < permutation.Length; w++) permutation[w] = w;
        for (var item = 0; item < _options.Items; item++)
        {
            var truth = DrawClass();
            sink.Item(item, truth);
            for (var r = 0; r < _options.Overlap; r++)
            {
                // The array stays a permutation after every swap, so no reset is needed
                // between items and the first R slots are R distinct workers.
                var pick = r + _random.Next(permutation.Length - r);
                (permutation[r], permutation[pick]) = (permutation[pick], permutation[r]);
                var worker = permutation[r];
                sink.Vote(item, worker, _workers[worker].Answer(truth, k, _random));
            }
            if ((item & 4095) == 4095) progress?.Invoke(item + 1);
        }
        progress?.Invoke(_options.Items);
    }

    private SimulatedWorker DrawWorker(int classes)
    {
        var u = _random.NextDouble();
        if ((u -= ExpertShare) < 0) return new SimulatedWorker(WorkerKind.Expert, Jitter(0.90, 0.05), 0);
        if ((u -= NoisyShare) < 0) return new SimulatedWorker(WorkerKind.Noisy, Jitter(0.65, 0.10), 0);
        if ((u -= UniformSpammerShare) < 0) return new SimulatedWorker(WorkerKind.UniformSpammer, 1.0 / classes, 0);
        if ((u -= ConstantSpammerShare) < 0) return new SimulatedWorker(WorkerKind.ConstantSpammer, 0, _random.Next(classes));
        return new SimulatedWorker(WorkerKind.Adversary, Jitter(0.70, 0.05), 0);
    }

    private double Jitter(double centre, double halfWidth) => centre + (((2 * _random.NextDouble()) - 1) * halfWidth);

    private static double[] ClassCumulative(int classes)
    {
        var cumulative = new double[classes];
        var weight = 1.0;
        var total = 0.0;
        for (var c = 0; c < classes; c++, weight *= ClassDecay) cumulative[c] = total += weight;
        for (var c = 0; c < classes; c++) cumulative[c] /= total;
        return cumulative;
    }

    private int DrawClass()
    {
        var u = _random.NextDouble();
        for (var c = 0; c < _classCumulative.Length - 1; c++)
            if (u < _classCumulative[c]) return c;
        return _classCumulative.Length - 1;
    }
}
