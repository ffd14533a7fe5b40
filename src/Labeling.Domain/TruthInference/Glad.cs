namespace Labeling.Domain.TruthInference;

/// <summary>
/// GLAD (Generative model of Labels, Abilities and Difficulties): a labeler's chance of being
/// right grows with their ability and with the item's easiness. Fitted with EM whose M-step takes
/// a few safeguarded Newton steps on the abilities and difficulties.
/// </summary>
/// <remarks>
/// <para>Model (Whitehill, Ruvolo, Wu, Bergsma &amp; Movellan, 2009, "Whose vote should count more:
/// optimal integration of labels from labelers of unknown expertise", NeurIPS 22; priors and
/// parameterisation as Crowd-Kit's <c>GLAD</c>): z_i ~ Cat(π) with π uniform; labeler w answers
/// item i correctly with probability a_wi = σ(α_w β_i), β_i = exp(b_i) &gt; 0, and otherwise picks one
/// of the other K − 1 labels uniformly. Priors: α_w ~ N(μ_α, 1), b_i ~ N(μ_b, 1), μ_α = μ_b = 1.</para>
/// <para>E-step: log T_it = log π_t + Σ_{(w,l) ∈ answers(i)} [l = t] log σ(x_wi) + [l ≠ t] (log σ(−x_wi) − log(K − 1)) − log Z_i,
/// x_wi = α_w e^{b_i}, with log σ computed as −softplus(−x) so that no exp overflows.</para>
/// <para>M-step: maximise Q = Σ_{answers} c log σ(x) + (1 − c)(log σ(−x) − log(K − 1)) − Σ_w (α_w − μ_α)²/2 − Σ_i (b_i − μ_b)²/2,
/// where c = T_{i,l} is the posterior that the answer is right. Analytic derivatives:
/// ∂Q/∂α_w = Σ_{i} (c − σ(x)) e^{b_i} − (α_w − μ_α), ∂Q/∂b_i = Σ_{w} (c − σ(x)) x − (b_i − μ_b).
/// Given the difficulties Q separates into one concave problem per labeler, and given the abilities
/// into one problem per item, so each round takes one Newton step per labeler and then per item
/// (gradient step where the item's curvature is not negative), halving a step until that block's
/// Q does not decrease. EM thus stays monotone (generalised EM) at O(answers) per round, instead of
/// the dense conjugate-gradient of the reference implementation.</para>
/// <para>The objective is the log-posterior Σ_i log Z_i + log p(α) + log p(b); EM stops when it changes
/// by less than the tolerance per answer. <see cref="InferenceResult.WorkerSkills"/> holds α_w
/// (negative: the labeler tends to be wrong).</para>
/// </remarks>
public sealed class Glad : ITruthInference
{
    private const double MaxStep = 2.0;
    private const int MaxHalvings = 20;
    private readonly GladOptions _options;

    /// <summary>Creates the method with the given options (Crowd-Kit's priors when omitted).</summary>
    public Glad(GladOptions? options = null)
    {
        _options = options ?? new GladOptions();
        _options.Validate();
    }

    /// <inheritdoc />
    public string Name => "glad";

    /// <inheritdoc />
    public InferenceResult Fit(AnswerMatrix data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var k = data.ClassCount;
        var alpha = new double[data.WorkerCount];
        Array.Fill(alpha, _options.AbilityPriorMean);
        if (k < 2 || data.AnswerCount == 0)
        {
            // One class leaves nothing to infer; no answers leave no evidence.
            var shares = Probability.VoteShares(data);
            return new InferenceResult(Name, data, shares, Probability.ClassShares(shares, data.ItemCount, k), workerSkills: alpha, iterations: 0);
        }

        var state = new State(data, _options, alpha);
        var trace = new List<double>();
        var previous = state.EStep();
        trace.Add(previous);
        var converged = false;
        var iteration = 0;
        while (iteration < _options.MaxIterations)
        {
            iteration++;
            for (var round = 0; round < _options.MStepRounds; round++)
            {
                state.UpdateAbilities();
                state.UpdateDifficulties();
            }
            var objective = state.EStep();
            trace.Add(objective);
            if (Math.Abs(objective - previous) / data.AnswerCount <= _options.Tolerance)
            {
                converged = true;
                break;
            }
            previous = objective;
        }

        var priors = Probability.ClassShares(state.Posteriors, data.ItemCount, k);
        return new InferenceResult(Name, data, state.Posteriors, priors, workerSkills: alpha, iterations: iteration, converged: converged, logLikelihoodTrace: trace.ToArray());
    }

    /// <summary>Flat arrays of one fit; every pass is a scan of the CSR answer arrays.</summary>
    private sealed class State
    {
        private readonly AnswerMatrix _data;
        private readonly int _k;
        private readonly double _logOthers;
        private readonly double _muAlpha;
        private readonly double _muB;
        private readonly double[] _alpha;
        private readonly double[] _b;
        private readonly double[] _correct;

        public State(AnswerMatrix data, GladOptions options, double[] alpha)
        {
            _data = data;
            _k = data.ClassCount;
            _logOthers = Math.Log(_k - 1);
            _muAlpha = options.AbilityPriorMean;
            _muB = options.LogInverseDifficultyPriorMean;
            _alpha = alpha;
            _b = new double[data.ItemCount];
            Array.Fill(_b, _muB);
            _correct = new double[data.AnswerCount];
            Posteriors = new double[data.ItemCount * _k];
        }

        public double[] Posteriors { get; }

        /// <summary>Posteriors, each answer's chance of being right, and the log-posterior.</summary>
        public double EStep()
        {
            var offsets = _data.ItemOffsets;
            var answerWorker = _data.AnswerWorker;
            var answerLabel = _data.AnswerLabel;
            var logPrior = -Math.Log(_k);
            var objective = 0.0;
            for (var i = 0; i < _data.ItemCount; i++)
            {
                var row = Posteriors.AsSpan(i * _k, _k);
                row.Fill(logPrior);
                var beta = Math.Exp(_b[i]);
                var wrong = 0.0;
                for (var p = offsets[i]; p < offsets[i + 1]; p++)
                {
                    var x = _alpha[answerWorker[p]] * beta;
                    var logWrong = SpecialFunctions.LogSigmoid(-x) - _logOthers;
                    wrong += logWrong;
                    row[answerLabel[p]] += SpecialFunctions.LogSigmoid(x) - logWrong;
                }
                for (var t = 0; t < _k; t++) row[t] += wrong;
                objective += Probability.NormalizeLog(row);
                for (var p = offsets[i]; p < offsets[i + 1]; p++) _correct[p] = row[answerLabel[p]];
                objective -= 0.5 * (_b[i] - _muB) * (_b[i] - _muB);
            }
            for (var w = 0; w < _alpha.Length; w++) objective -= 0.5 * (_alpha[w] - _muAlpha) * (_alpha[w] - _muAlpha);
            return objective;
        }

        /// <summary>One safeguarded Newton step per labeler; Q is concave in α_w, so the step is exact for a quadratic.</summary>
        public void UpdateAbilities()
        {
            var offsets = _data.WorkerOffsets;
            var positions = _data.WorkerAnswers;
            var answerItem = _data.AnswerItem;
            for (var w = 0; w < _alpha.Length; w++)
            {
                var a = _alpha[w];
                var gradient = -(a - _muAlpha);
                var curvature = -1.0;
                for (var n = offsets[w]; n < offsets[w + 1]; n++)
                {
                    var p = positions[n];
                    var beta = Math.Exp(_b[answerItem[p]]);
                    var s = SpecialFunctions.Sigmoid(a * beta);
                    gradient += (_correct[p] - s) * beta;
                    curvature -= s * (1 - s) * beta * beta;
                }
                var step = Math.Clamp(-gradient / curvature, -MaxStep, MaxStep);
                var before = WorkerQ(w, a);
                for (var h = 0; h < MaxHalvings; h++, step *= 0.5)
                {
                    if (WorkerQ(w, a + step) >= before)
                    {
                        _alpha[w] = a + step;
                        break;
                    }
                }
            }
        }

        /// <summary>One safeguarded Newton (or, where Q is not locally concave, gradient) step per item.</summary>
        public void UpdateDifficulties()
        {
            var offsets = _data.ItemOffsets;
            var answerWorker = _data.AnswerWorker;
            for (var i = 0; i < _b.Length; i++)
            {
                var b = _b[i];
                var beta = Math.Exp(b);
                var gradient = -(b - _muB);
                var curvature = -1.0;
                for (var p = offsets[i]; p < offsets[i + 1]; p++)
                {
                    var x = _alpha[answerWorker[p]] * beta;
                    var s = SpecialFunctions.Sigmoid(x);
                    gradient += (_correct[p] - s) * x;
                    curvature += ((_correct[p] - s) * x) - (s * (1 - s) * x * x);
                }
                var step = Math.Clamp(curvature < 0 ? -gradient / curvature : gradient, -MaxStep, MaxStep);
                var before = ItemQ(i, b);
                for (var h = 0; h < MaxHalvings; h++, step *= 0.5)
                {
                    if (ItemQ(i, b + step) >= before)
                    {
                        _b[i] = b + step;
                        break;
                    }
                }
            }
        }

        private double WorkerQ(int w, double a)
        {
            var offsets = _data.WorkerOffsets;
            var positions = _data.WorkerAnswers;
            var answerItem = _data.AnswerItem;
            var q = -0.5 * (a - _muAlpha) * (a - _muAlpha);
            for (var n = offsets[w]; n < offsets[w + 1]; n++)
            {
                var p = positions[n];
                q += AnswerQ(_correct[p], a * Math.Exp(_b[answerItem[p]]));
            }
            return q;
        }

        private double ItemQ(int i, double b)
        {
            var offsets = _data.ItemOffsets;
            var answerWorker = _data.AnswerWorker;
            var beta = Math.Exp(b);
            var q = -0.5 * (b - _muB) * (b - _muB);
            for (var p = offsets[i]; p < offsets[i + 1]; p++) q += AnswerQ(_correct[p], _alpha[answerWorker[p]] * beta);
            return q;
        }

        // The constant −(1 − c) log(K − 1) is left out: it does not move the maximiser.
        private static double AnswerQ(double c, double x) =>
            (c * SpecialFunctions.LogSigmoid(x)) + ((1 - c) * SpecialFunctions.LogSigmoid(-x));
    }
}
