namespace Labeling.Domain.TruthInference;

/// <summary>
/// MACE (Multi-Annotator Competence Estimation): each labeler either knows the answer or spams
/// with a labeler-specific strategy. Fitted with variational Bayes from seeded random restarts.
/// </summary>
/// <remarks>
/// <para>Model (Hovy, Berg-Kirkpatrick, Vaswani &amp; Hovy, 2013, "Learning whom to trust with
/// MACE", NAACL-HLT, 1120–1130; priors and inference as Crowd-Kit's <c>MACE</c> with
/// <c>method='vb'</c>): T_i ~ Cat(π); for each answer, S_wi ~ Bernoulli(1 − θ_w) says whether
/// labeler w spams on item i; if not, A_wi = T_i, else A_wi ~ Cat(ξ_w). Priors θ_w ~ Beta(β, α)
/// (pseudo-counts for knowing and spamming, both 0.5) and ξ_w ~ Dirichlet(10, …, 10). The original
/// model fixes π uniform; here π is learned by default, π_t ∝ Σ_i T_it + c (see
/// <see cref="MaceOptions.ClassPriorCount"/>; null restores the uniform π), because a uniform π makes
/// the dominant class of an imbalanced set look like spam.</para>
/// <para>E-step, with P(A = l | T = t) = (1 − θ_w) ξ_w[l] + θ_w [l = t]:
/// log G_it = log π_t + Σ_{(w,l) ∈ answers(i)} log((1 − θ_w) ξ_w[l] + θ_w [l = t]) in log space,
/// T_it = exp(log G_it − log Z_i) with the max subtracted before exp. Each answer's chance of having
/// been known is P(S = 0) = T_il θ_w / ((1 − θ_w) ξ_w[l] + θ_w); expected counts are summed per labeler.</para>
/// <para>Variational M-step: with expected counts n_w^spam, n_w^know and n_w[l] (spam answers of
/// label l), the mean-field factors give the sub-normalised weights
/// (1 − θ_w) ← exp(ψ(n_w^spam + α) − ψ(n_w^spam + n_w^know + α + β)),
/// θ_w ← exp(ψ(n_w^know + β) − ψ(n_w^spam + n_w^know + α + β)),
/// ξ_w[l] ← exp(ψ(n_w[l] + 10) − ψ(Σ_l n_w[l] + 10K)), ψ the digamma function. They are used
/// unnormalised in the next E-step, as in the reference implementation.</para>
/// <para>Each restart draws its initial weights from one <see cref="Random"/> seeded with
/// <see cref="MaceOptions.Seed"/> (so restarts differ from each other but not between runs; Crowd-Kit
/// reseeds every restart and so repeats one start); the restart with the highest Σ_i log Z_i is kept.
/// Unlike Crowd-Kit, the expected strategy counts are indexed by the same labeler and label indices
/// as the parameters (Crowd-Kit's pandas group-by sorts them, which pairs labelers with other
/// labelers' strategies whenever first-appearance order differs from sorted order). Cost: O(answers) per iteration and restart.
/// <see cref="InferenceResult.WorkerSkills"/> holds θ_w / (θ_w + (1 − θ_w)), the normalised chance that
/// labeler w knows the answer; the confusion matrices are (1 − θ_w) ξ_w[l] + θ_w [l = t], normalised.</para>
/// </remarks>
public sealed class Mace : ITruthInference
{
    private readonly MaceOptions _options;

    /// <summary>Creates the method with the given options (Crowd-Kit's defaults when omitted).</summary>
    public Mace(MaceOptions? options = null)
    {
        _options = options ?? new MaceOptions();
        _options.Validate();
    }

    /// <inheritdoc />
    public string Name => "mace";

    /// <inheritdoc />
    public InferenceResult Fit(AnswerMatrix data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var k = data.ClassCount;
        if (k < 2 || data.AnswerCount == 0)
        {
            // One class leaves nothing to infer; no answers leave no evidence.
            var shares = Probability.VoteShares(data);
            var unknown = new double[data.WorkerCount];
            Array.Fill(unknown, 0.5);
            return new InferenceResult(Name, data, shares, Probability.ClassShares(shares, data.ItemCount, k), workerSkills: unknown, iterations: 0);
        }

        var random = new Random(_options.Seed);
        var current = new Parameters(data.WorkerCount, k);
        var counts = new Counts(data.WorkerCount, k);
        var posteriors = new double[data.ItemCount * k];
        Parameters? best = null;
        var bestLogLikelihood = double.NegativeInfinity;
        double[] bestTrace = [];
        var bestIterations = 0;
        var bestConverged = false;
        for (var restart = 0; restart < _options.Restarts; restart++)
        {
            current.Randomize(random, _options.DefaultNoise);
            var logLikelihood = EStep(data, current, posteriors, counts);
            var trace = new List<double>();
            var converged = false;
            var iteration = 0;
            while (iteration < _options.MaxIterations)
            {
                iteration++;
                VariationalMStep(current, counts);
                var next = EStep(data, current, posteriors, counts);
                trace.Add(next);
                var change = Math.Abs(next - logLikelihood) / data.AnswerCount;
                logLikelihood = next;
                if (change <= _options.Tolerance)
                {
                    converged = true;
                    break;
                }
            }
            // Strictly greater: among equally good restarts the earliest wins, so results do not depend on float noise order.
            if (logLikelihood > bestLogLikelihood || best is null)
            {
                bestLogLikelihood = logLikelihood;
                best = current.Clone();
                bestTrace = trace.ToArray();
                bestIterations = iteration;
                bestConverged = converged;
            }
        }

        EStep(data, best!, posteriors, counts);
        var (skills, confusions) = best!.Describe();
        return new InferenceResult(Name, data, posteriors, (double[])best!.ClassPrior.Clone(), confusions, skills, bestIterations, bestConverged, bestTrace);
    }

    private static double EStep(AnswerMatrix data, Parameters model, double[] posteriors, Counts counts)
    {
        var k = data.ClassCount;
        var offsets = data.ItemOffsets;
        var answerWorker = data.AnswerWorker;
        var answerLabel = data.AnswerLabel;
        counts.Clear();
        var logLikelihood = 0.0;
        for (var i = 0; i < data.ItemCount; i++)
        {
            var row = posteriors.AsSpan(i * k, k);
            for (var t = 0; t < k; t++) row[t] = Math.Log(model.ClassPrior[t]);
            var spamOnly = 0.0;
            for (var p = offsets[i]; p < offsets[i + 1]; p++)
            {
                var w = answerWorker[p];
                var l = answerLabel[p];
                var spam = model.Spamming[w] * model.Strategy[(w * k) + l];
                // Under truth t ≠ l the answer can only be spam; under t = l it may also be known.
                var logSpam = Probability.SafeLog(spam);
                spamOnly += logSpam;
                row[l] += Probability.SafeLog(spam + model.Knowing[w]) - logSpam;
            }
            for (var t = 0; t < k; t++) row[t] += spamOnly;
            logLikelihood += Probability.NormalizeLog(row);
            for (var t = 0; t < k; t++) counts.Classes[t] += row[t];

            for (var p = offsets[i]; p < offsets[i + 1]; p++)
            {
                var w = answerWorker[p];
                var l = answerLabel[p];
                var spam = model.Spamming[w] * model.Strategy[(w * k) + l];
                var known = row[l] * model.Knowing[w] / (spam + model.Knowing[w]);
                counts.Knowing[w] += known;
                counts.Spamming[w] += 1 - known;
                counts.Strategy[(w * k) + l] += 1 - known;
            }
        }
        return logLikelihood;
    }

    private void VariationalMStep(Parameters model, Counts counts)
    {
        var k = model.ClassCount;
        var a = _options.SpammingPriorCount;
        var b = _options.KnowingPriorCount;
        var s = _options.StrategyPriorCount;
        if (_options.ClassPriorCount is { } classCount)
        {
            for (var t = 0; t < k; t++) model.ClassPrior[t] = counts.Classes[t] + classCount;
            Probability.Normalize(model.ClassPrior);
        }
        for (var w = 0; w < model.Spamming.Length; w++)
        {
            // exp(ψ(·)) of the Dirichlet posterior: the geometric mean VB plugs into the next E-step.
            var total = SpecialFunctions.Digamma(counts.Spamming[w] + counts.Knowing[w] + a + b);
            model.Spamming[w] = Math.Exp(SpecialFunctions.Digamma(counts.Spamming[w] + a) - total);
            model.Knowing[w] = Math.Exp(SpecialFunctions.Digamma(counts.Knowing[w] + b) - total);
            var strategy = model.Strategy.AsSpan(w * k, k);
            var spent = counts.Strategy.AsSpan(w * k, k);
            var sum = 0.0;
            foreach (var c in spent) sum += c;
            var strategyTotal = SpecialFunctions.Digamma(sum + (s * k));
            for (var l = 0; l < k; l++) strategy[l] = Math.Exp(SpecialFunctions.Digamma(spent[l] + s) - strategyTotal);
        }
    }

    /// <summary>Per-labeler weights of spamming, knowing, and the spam strategy (row-major W×K).</summary>
    private sealed class Parameters(int workers, int classes)
    {
        public int ClassCount { get; } = classes;
        public double[] Spamming { get; } = new double[workers];
        public double[] Knowing { get; } = new double[workers];
        public double[] Strategy { get; } = new double[workers * classes];
        public double[] ClassPrior { get; } = new double[classes];

        public void Randomize(Random random, double noise)
        {
            ClassPrior.AsSpan().Fill(1.0 / ClassCount);
            for (var w = 0; w < Spamming.Length; w++)
            {
                var spam = Draw(random, noise);
                var know = Draw(random, noise);
                Spamming[w] = spam / (spam + know);
                Knowing[w] = know / (spam + know);
                var strategy = Strategy.AsSpan(w * ClassCount, ClassCount);
                for (var l = 0; l < ClassCount; l++) strategy[l] = Draw(random, noise);
                Probability.Normalize(strategy);
            }
        }

        public Parameters Clone()
        {
            var copy = new Parameters(Spamming.Length, ClassCount);
            Spamming.CopyTo(copy.Spamming, 0);
            Knowing.CopyTo(copy.Knowing, 0);
            Strategy.CopyTo(copy.Strategy, 0);
            ClassPrior.CopyTo(copy.ClassPrior, 0);
            return copy;
        }

        public (double[] Skills, ConfusionMatrix[] Confusions) Describe()
        {
            var k = ClassCount;
            var skills = new double[Spamming.Length];
            var confusions = new ConfusionMatrix[Spamming.Length];
            var strategy = new double[k];
            var cells = new double[k * k];
            for (var w = 0; w < Spamming.Length; w++)
            {
                var theta = Knowing[w] / (Knowing[w] + Spamming[w]);
                skills[w] = theta;
                Strategy.AsSpan(w * k, k).CopyTo(strategy);
                Probability.Normalize(strategy);
                for (var t = 0; t < k; t++)
                    for (var l = 0; l < k; l++) cells[(t * k) + l] = ((1 - theta) * strategy[l]) + (t == l ? theta : 0);
                confusions[w] = new ConfusionMatrix(cells, k);
            }
            return (skills, confusions);
        }

        // Uniform on [1, 2 + noise], as scipy.stats.uniform(1, 1 + noise) in the reference.
        private static double Draw(Random random, double noise) => 1 + ((1 + noise) * random.NextDouble());
    }

    /// <summary>Expected counts of one E-step.</summary>
    private sealed class Counts(int workers, int classes)
    {
        public double[] Spamming { get; } = new double[workers];
        public double[] Knowing { get; } = new double[workers];
        public double[] Strategy { get; } = new double[workers * classes];
        public double[] Classes { get; } = new double[classes];

        public void Clear()
        {
            Array.Clear(Classes);
            Array.Clear(Spamming);
            Array.Clear(Knowing);
            Array.Clear(Strategy);
        }
    }
}
