namespace Labeling.Domain.TruthInference;

/// <summary>
/// Dawid–Skene: every labeler has a full confusion matrix, fitted with EM from majority-vote
/// initial posteriors.
/// </summary>
/// <remarks>
/// <para>Model (Dawid &amp; Skene, 1979, "Maximum likelihood estimation of observer error-rates
/// using the EM algorithm", JRSS C 28(1)): the true label z_i ~ Cat(π); labeler w answers item i
/// with l ~ Cat(θ_w[z_i, ·]).</para>
/// <para>E-step: log T_it = log π_t + Σ_{(w,l) ∈ answers(i)} log θ_w[t,l] − log Z_i.
/// M-step (MAP with Dirichlet priors): π_t ∝ Σ_i T_it + β;
/// θ_w[t,l] ∝ Σ_{i:(w,l)} T_it + α_tl + s·θ̄[t,l], where θ̄ is the confusion matrix of all
/// labelers pooled (<see cref="DawidSkeneOptions.PooledPseudoCount"/> = s; 0 gives the classic
/// model). The objective is Σ_i log Z_i, the marginal log-likelihood; EM stops when it changes by
/// less than the tolerance relative to its size.</para>
/// <para>Cost per iteration: O(answers × K) time, O(workers × K²) memory.</para>
/// </remarks>
public sealed class DawidSkene : ITruthInference
{
    private readonly DawidSkeneOptions _options;

    /// <summary>Creates the method with the given options (classic model when omitted).</summary>
    public DawidSkene(DawidSkeneOptions? options = null)
    {
        _options = options ?? new DawidSkeneOptions();
        _options.Validate();
        Name = "ds";
    }

    /// <summary>Creates the method under another reporting name (used by named presets).</summary>
    public DawidSkene(string name, DawidSkeneOptions options) : this(options) => Name = name;

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public InferenceResult Fit(AnswerMatrix data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var k = data.ClassCount;
        var posteriors = Probability.VoteShares(data);
        if (k == 0 || data.AnswerCount == 0)
            return new InferenceResult(Name, data, posteriors, Probability.ClassShares(posteriors, data.ItemCount, k), iterations: 0);

        var counts = new double[data.WorkerCount * k * k];
        // Transposed log-confusion: logTheta[(w*K + l)*K + t], contiguous over the true class t
        // so the E-step adds one row per answer.
        var logTheta = new double[data.WorkerCount * k * k];
        var logPrior = new double[k];
        var trace = new List<double>();
        var converged = false;
        var iteration = 0;
        var previous = double.NegativeInfinity;
        while (iteration < _options.MaxIterations)
        {
            iteration++;
            MStep(data, posteriors, counts, logTheta, logPrior);
            var objective = ConfusionEm.EStep(data, posteriors, logTheta, logPrior);
            trace.Add(objective);
            if (Math.Abs(objective - previous) <= _options.Tolerance * Math.Max(1.0, Math.Abs(objective)))
            {
                converged = true;
                break;
            }
            previous = objective;
        }

        var confusions = new ConfusionMatrix[data.WorkerCount];
        var row = new double[k * k];
        for (var w = 0; w < data.WorkerCount; w++)
        {
            for (var t = 0; t < k; t++)
                for (var l = 0; l < k; l++) row[(t * k) + l] = Math.Exp(logTheta[(((w * k) + l) * k) + t]);
            confusions[w] = new ConfusionMatrix(row, k);
        }
        var priors = new double[k];
        for (var t = 0; t < k; t++) priors[t] = Math.Exp(logPrior[t]);
        var skills = new double[data.WorkerCount];
        for (var w = 0; w < data.WorkerCount; w++) skills[w] = confusions[w].Accuracy(priors);
        return new InferenceResult(Name, data, posteriors, priors, confusions, skills, iteration, converged, trace.ToArray());
    }

    private void MStep(AnswerMatrix data, double[] posteriors, double[] counts, double[] logTheta, double[] logPrior)
    {
        var k = data.ClassCount;
        ConfusionEm.AccumulateCounts(data, posteriors, counts);

        var pooled = new double[k * k];
        if (_options.PooledPseudoCount > 0)
        {
            for (var w = 0; w < data.WorkerCount; w++)
                for (var c = 0; c < k * k; c++) pooled[c] += counts[(w * k * k) + c];
            for (var t = 0; t < k; t++)
            {
                var r = pooled.AsSpan(t * k, k);
                for (var l = 0; l < k; l++) r[l] += t == l ? _options.DiagonalPseudoCount : _options.OffDiagonalPseudoCount;
                Probability.Normalize(r);
            }
        }

        var buffer = new double[k];
        for (var w = 0; w < data.WorkerCount; w++)
        {
            for (var t = 0; t < k; t++)
            {
                for (var l = 0; l < k; l++)
                {
                    buffer[l] = counts[(((w * k) + t) * k) + l]
                        + (t == l ? _options.DiagonalPseudoCount : _options.OffDiagonalPseudoCount)
                        + (_options.PooledPseudoCount * pooled[(t * k) + l]);
                }
                Probability.Normalize(buffer);
                for (var l = 0; l < k; l++) logTheta[(((w * k) + l) * k) + t] = Probability.SafeLog(buffer[l]);
            }
        }

        var prior = Probability.ClassShares(posteriors, data.ItemCount, k, _options.ClassPseudoCount);
        for (var t = 0; t < k; t++) logPrior[t] = Probability.SafeLog(prior[t]);
    }

}
