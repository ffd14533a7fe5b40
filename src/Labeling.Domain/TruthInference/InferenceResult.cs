using System.Globalization;

namespace Labeling.Domain.TruthInference;

/// <summary>
/// What a truth-inference method learned: a posterior over labels for every item, and whatever
/// the method knows of each labeler. Immutable.
/// </summary>
public sealed class InferenceResult
{
    private readonly double[] _posteriors;
    private readonly double[] _classPriors;
    private readonly ConfusionMatrix[]? _confusions;
    private readonly double[]? _workerSkills;
    private readonly double[] _logLikelihoodTrace;
    private readonly int[] _tiedItems;

    /// <summary>Creates a result. Arrays are taken over, not copied: callers must not keep them.</summary>
    /// <param name="method">The method's name.</param>
    /// <param name="data">The data the method was fitted to.</param>
    /// <param name="posteriors">Row-major ItemCount×K posteriors; each row sums to one.</param>
    /// <param name="classPriors">The estimated class distribution (K values).</param>
    /// <param name="confusions">Per-worker confusion matrices, or null when the model has none.</param>
    /// <param name="workerSkills">A per-worker scalar skill (method specific), or null.</param>
    /// <param name="iterations">EM (or other) iterations run.</param>
    /// <param name="converged">Whether the stopping tolerance was met before the iteration cap.</param>
    /// <param name="logLikelihoodTrace">The objective after each iteration (empty for one-shot methods).</param>
    /// <param name="tiedItems">Items whose top posterior was shared by several labels.</param>
    public InferenceResult(
        string method, AnswerMatrix data, double[] posteriors, double[] classPriors,
        ConfusionMatrix[]? confusions = null, double[]? workerSkills = null, int iterations = 0,
        bool converged = true, double[]? logLikelihoodTrace = null, int[]? tiedItems = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(posteriors);
        if (posteriors.Length != data.ItemCount * data.ClassCount)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Expected {data.ItemCount}×{data.ClassCount} posteriors, got {posteriors.Length}."), nameof(posteriors));
        Method = method;
        Data = data;
        _posteriors = posteriors;
        _classPriors = classPriors;
        _confusions = confusions;
        _workerSkills = workerSkills;
        Iterations = iterations;
        Converged = converged;
        _logLikelihoodTrace = logLikelihoodTrace ?? [];
        _tiedItems = tiedItems ?? FindTies(posteriors, data.ItemCount, data.ClassCount);
    }

    /// <summary>The method's name.</summary>
    public string Method { get; }

    /// <summary>The data the method was fitted to (for label and item names).</summary>
    public AnswerMatrix Data { get; }

    /// <summary>Iterations run.</summary>
    public int Iterations { get; }

    /// <summary>Whether the method met its tolerance before its iteration cap.</summary>
    public bool Converged { get; }

    /// <summary>The objective (log-likelihood or log-posterior) after each iteration.</summary>
    public IReadOnlyList<double> LogLikelihoodTrace => _logLikelihoodTrace;

    /// <summary>Items whose highest posterior is shared by two or more labels (ties broken toward the lower label index).</summary>
    public IReadOnlyList<int> TiedItems => _tiedItems;

    /// <summary>The estimated class distribution.</summary>
    public ReadOnlySpan<double> ClassPriors => _classPriors;

    /// <summary>Whether the method estimates confusion matrices.</summary>
    public bool HasConfusionMatrices => _confusions is not null;

    /// <summary>A per-worker scalar skill (accuracy, ability or competence, by method), or null.</summary>
    public IReadOnlyList<double>? WorkerSkills => _workerSkills;

    /// <summary>The posterior of item <paramref name="item"/> over the K labels.</summary>
    public ReadOnlySpan<double> Posterior(int item) => _posteriors.AsSpan(item * Data.ClassCount, Data.ClassCount);

    /// <summary>The confusion matrix of worker <paramref name="worker"/>.</summary>
    /// <exception cref="InvalidOperationException">The method does not estimate confusion matrices.</exception>
    public ConfusionMatrix Confusion(int worker) =>
        _confusions is null
            ? throw new InvalidOperationException($"Method '{Method}' does not estimate confusion matrices.")
            : _confusions[worker];

    /// <summary>The index of the most probable label (ties toward the lower index), or -1 when there are no classes.</summary>
    public int PredictedIndex(int item) => ArgMax(Posterior(item));

    /// <summary>The most probable label of an item, or null when there are no classes.</summary>
    public string? PredictedLabel(int item)
    {
        var k = PredictedIndex(item);
        return k < 0 ? null : Data.Labels[k];
    }

    /// <summary>The most probable label of every item, by item name.</summary>
    public IReadOnlyDictionary<string, string?> PredictedLabels()
    {
        var map = new Dictionary<string, string?>(Data.ItemCount, StringComparer.Ordinal);
        for (var i = 0; i < Data.ItemCount; i++) map[Data.Items[i]] = PredictedLabel(i);
        return map;
    }

    internal static int ArgMax(ReadOnlySpan<double> values)
    {
        var best = -1;
        var bestValue = double.NegativeInfinity;
        for (var k = 0; k < values.Length; k++)
        {
            if (values[k] > bestValue)
            {
                bestValue = values[k];
                best = k;
            }
        }
        return best;
    }

    private static int[] FindTies(double[] posteriors, int items, int classes)
    {
        var ties = new List<int>();
        for (var i = 0; i < items; i++)
        {
            var row = posteriors.AsSpan(i * classes, classes);
            var best = ArgMax(row);
            if (best < 0) continue;
            for (var k = 0; k < classes; k++)
            {
                // Equal within rounding: 1e-12 relative is far below any evidence a vote carries.
                if (k != best && Math.Abs(row[k] - row[best]) <= 1e-12 * Math.Max(1.0, row[best]))
                {
                    ties.Add(i);
                    break;
                }
            }
        }
        return ties.ToArray();
    }
}
