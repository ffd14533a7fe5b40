namespace Labeling.Domain.TruthInference;

/// <summary>
/// Community Dawid–Skene: every labeler has a full confusion matrix, drawn from the confusion
/// matrix of one of a few worker communities, so a labeler with few answers is judged like the
/// labelers it resembles. Fitted with EM from majority-vote initial posteriors. The pipeline's
/// default method.
/// </summary>
/// <remarks>
/// <para>Model (community-based Bayesian classifier combination, Venanzi, Guiver, Kazai, Kohli
/// &amp; Shokouhi, "Community-based Bayesian aggregation models for crowdsourcing", WWW 2014, with
/// Dirichlet rather than log-normal worker priors, fitted by EM as Dawid &amp; Skene, 1979):
/// the true label z_i ~ Cat(π); labeler w belongs to community c_w ~ Cat(ρ); its confusion rows
/// are θ_w[t,·] ~ Dir(s·φ_{c_w}[t,·]); it answers item i with l ~ Cat(θ_w[z_i,·]).</para>
/// <para>With T_it the posterior of item i and C_w[t,l] = Σ_{i:(w,l)} T_it a labeler's expected
/// counts (n_wt its row sums), one EM iteration is:
/// memberships r_wm ∝ ρ_m Π_t DirMult(C_w[t,·] | s·φ_m[t,·]), i.e.
/// log r_wm = log ρ_m + Σ_{t,l} [log Γ(C_w[t,l] + s·φ_m[t,l]) − log Γ(s·φ_m[t,l])] + const;
/// communities φ_m[t,l] ∝ Σ_w r_wm C_w[t,l] + [t = l] + 1/K (two pseudo-answers per row: one on
/// the diagonal, one spread evenly) and ρ_m ∝ Σ_w r_wm + γ (γ pseudo-labelers per community);
/// labelers θ_w[t,l] = (C_w[t,l] + s·Σ_m r_wm φ_m[t,l]) / (n_wt + s), the posterior mean of θ_w
/// under the mixture prior (every component has the same total s, so the mixture's mean is this);
/// classes π_t ∝ Σ_i T_it + β; and the Dawid–Skene E-step
/// log T_it = log π_t + Σ_{(w,l) ∈ answers(i)} log θ_w[t,l] − log Z_i.
/// EM stops when Σ_i log Z_i, the votes' log-likelihood under the current parameters, changes by
/// less than the tolerance per answer. EM does not maximise that sum alone (the priors on the
/// confusions, memberships and classes are part of its objective), so it can fall between two
/// iterations (on dog it does in 26 of 37): the stop is a rule for when the fit has settled, not a
/// proof of a maximum, and a fit that hits the iteration cap says so (<see cref="InferenceResult"/>'s
/// convergence flag).</para>
/// <para>Why it is robust: a labeler with many answers is fitted by its own counts, as in
/// Dawid–Skene; one with few is pulled towards the community it most resembles instead of towards
/// a single crowd average, so sparse spammers are not mistaken for experts (the failure of a
/// pooled prior when experts give most answers) and sparse experts are not mistaken for spammers.
/// Communities start as the pooled confusion of the majority-vote fit blended with the
/// uninformative confusion (every row equal to the pooled answer distribution) in evenly spaced
/// proportions 0, …, 1, so the fit is deterministic without a seed. The γ pseudo-labelers per
/// community (<see cref="CommunityDawidSkeneOptions.CommunityPseudoCount"/>) keep a community from
/// emptying just because another grew: with one, a large community's ρ pulls in more members, which
/// enlarge it further, until nearly every labeler shares one pooled prior and a class can be
/// absorbed by its neighbours (docs/benchmarks.md, "Communities that empty").</para>
/// <para>Selective labelers (<see cref="CommunityDawidSkeneOptions.SelectivePrefixes"/>, rules that vote only where they
/// match) are read as the online model reads them: π counts only the items another labeler answered (the checked ones),
/// a selective labeler joins no community (its prior is the mixture under ρ, and its counts do not move φ), and it is
/// read by its firing rates over the checked items' class counts and its silence on every item it did not answer,
/// learned from the checked items only (<see cref="SelectiveLabelers"/>). Without a selective labeler the fit is the one
/// above, to the bit.</para>
/// <para>Cost per iteration: O(answers × K + workers × M × K²) time, O(workers × (K² + M)) memory.</para>
/// </remarks>
public sealed class CommunityDawidSkene : ITruthInference
{
    private readonly CommunityDawidSkeneOptions _options;

    /// <summary>Creates the method with the given options (the pipeline defaults when omitted).</summary>
    public CommunityDawidSkene(CommunityDawidSkeneOptions? options = null)
    {
        _options = options ?? new CommunityDawidSkeneOptions();
        _options.Validate();
        Name = "community";
    }

    /// <summary>Creates the method under another reporting name (used by named presets).</summary>
    public CommunityDawidSkene(string name, CommunityDawidSkeneOptions options) : this(options) => Name = name;

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

        var state = new FitState(data.WorkerCount, k, _options.Communities);
        var inClassPrior = MarkSelective(data, state.Selective);
        var trace = new List<double>();
        var converged = false;
        var iteration = 0;
        var previous = double.NegativeInfinity;
        while (iteration < _options.MaxIterations)
        {
            iteration++;
            // A selective labeler learns only from the checked items (those in the class distribution).
            ConfusionEm.AccumulateCounts(data, posteriors, state.Counts, inClassPrior is null ? null : state.Selective, inClassPrior);
            if (iteration == 1) InitialiseCommunities(state);
            UpdateMemberships(state);
            UpdateCommunities(state);
            var prior = ClassPrior(posteriors, data.ItemCount, inClassPrior, k, state.ClassCounts);
            for (var t = 0; t < k; t++) state.LogPrior[t] = Probability.SafeLog(prior[t]);
            UpdateLabelers(state);
            var objective = ConfusionEm.EStep(data, posteriors, state.LogTheta, inClassPrior is null ? state.LogPrior : state.LogPriorWithSilence);
            trace.Add(objective);
            if (Math.Abs(objective - previous) <= _options.Tolerance * data.AnswerCount)
            {
                converged = true;
                break;
            }
            previous = objective;
        }
        return BuildResult(data, posteriors, state, iteration, converged, trace.ToArray());
    }

    // Flags the selective labelers (CommunityDawidSkeneOptions.SelectivePrefixes) and returns which items count in the class
    // distribution (those a labeler that is not selective answered), or null when every item does (no labeler is selective).
    private bool[]? MarkSelective(AnswerMatrix data, bool[] selective)
    {
        if (_options.SelectivePrefixes.Count == 0) return null;
        var any = false;
        for (var w = 0; w < data.WorkerCount; w++)
        {
            if (SelectiveLabelers.Includes(data.Workers[w], _options.SelectivePrefixes)) selective[w] = any = true;
        }
        if (!any) return null;
        var counted = new bool[data.ItemCount];
        var items = data.AnswerItem;
        var workers = data.AnswerWorker;
        for (var a = 0; a < data.AnswerCount; a++)
            if (!selective[workers[a]]) counted[items[a]] = true;
        return counted;
    }

    // π_t ∝ Σ_i T_it + β over the items that count in the class distribution (every item when inClassPrior is null); with
    // none of them and β = 0 the classes are equally likely (Probability.Normalize). The sums without β go to classCounts.
    private double[] ClassPrior(double[] posteriors, int items, bool[]? inClassPrior, int k, double[] classCounts)
    {
        if (inClassPrior is null) return Probability.ClassShares(posteriors, items, k, _options.ClassPseudoCount);
        var prior = new double[k];
        for (var i = 0; i < items; i++)
        {
            if (!inClassPrior[i]) continue;
            for (var t = 0; t < k; t++) prior[t] += posteriors[(i * k) + t];
        }
        prior.CopyTo(classCounts, 0);
        for (var t = 0; t < k; t++) prior[t] += _options.ClassPseudoCount;
        Probability.Normalize(prior);
        return prior;
    }

    private static void InitialiseCommunities(FitState s)
    {
        var k = s.K;
        var pooled = new double[k * k];
        for (var w = 0; w < s.Workers; w++)
        {
            if (s.Selective[w]) continue;
            for (var c = 0; c < k * k; c++) pooled[c] += s.Counts[(w * k * k) + c];
        }
        for (var t = 0; t < k; t++) SmoothCommunityRow(pooled.AsSpan(t * k, k), t);
        // The uninformative confusion: every row is the crowd's average answer distribution, i.e.
        // answers independent of the truth.
        var marginal = new double[k];
        for (var t = 0; t < k; t++)
            for (var l = 0; l < k; l++) marginal[l] += pooled[(t * k) + l] / k;
        for (var m = 0; m < s.M; m++)
        {
            var blend = s.M == 1 ? 0.0 : (double)m / (s.M - 1);
            for (var t = 0; t < k; t++)
                for (var l = 0; l < k; l++)
                    s.Phi[(((m * k) + t) * k) + l] = ((1 - blend) * pooled[(t * k) + l]) + (blend * marginal[l]);
            s.LogRho[m] = -Math.Log(s.M);
        }
    }

    private void UpdateMemberships(FitState s)
    {
        var k = s.K;
        var strength = _options.PriorStrength;
        var alpha = new double[s.M * k * k];
        var logGammaAlpha = new double[s.M * k * k];
        for (var c = 0; c < alpha.Length; c++)
        {
            alpha[c] = strength * s.Phi[c];
            logGammaAlpha[c] = SpecialFunctions.LogGamma(alpha[c]);
        }
        var log = new double[s.M];
        for (var w = 0; w < s.Workers; w++)
        {
            if (s.Selective[w])
            {
                // A selective labeler joins no community: its prior is their mixture under ρ.
                for (var m = 0; m < s.M; m++) s.Memberships[(w * s.M) + m] = Math.Exp(s.LogRho[m]);
                continue;
            }

            var counts = s.Counts.AsSpan(w * k * k, k * k);
            for (var m = 0; m < s.M; m++)
            {
                // Dirichlet-multinomial evidence of the worker's rows under community m; the
                // Γ(n + s)/Γ(s) normaliser is the same for every community and cancels.
                var sum = s.LogRho[m];
                var a = alpha.AsSpan(m * k * k, k * k);
                var lga = logGammaAlpha.AsSpan(m * k * k, k * k);
                for (var c = 0; c < counts.Length; c++)
                    if (counts[c] > 0) sum += SpecialFunctions.LogGamma(counts[c] + a[c]) - lga[c];
                log[m] = sum;
            }
            Probability.NormalizeLog(log);
            log.CopyTo(s.Memberships.AsSpan(w * s.M, s.M));
        }
    }

    private void UpdateCommunities(FitState s)
    {
        var k = s.K;
        Array.Clear(s.Phi);
        var weight = new double[s.M];
        for (var w = 0; w < s.Workers; w++)
        {
            if (s.Selective[w]) continue;
            var counts = s.Counts.AsSpan(w * k * k, k * k);
            for (var m = 0; m < s.M; m++)
            {
                var r = s.Memberships[(w * s.M) + m];
                weight[m] += r;
                if (r < 1e-12) continue; // a negligible member would only add rounding noise
                var phi = s.Phi.AsSpan(m * k * k, k * k);
                for (var c = 0; c < phi.Length; c++) phi[c] += r * counts[c];
            }
        }
        for (var m = 0; m < s.M; m++)
        {
            for (var t = 0; t < k; t++) SmoothCommunityRow(s.Phi.AsSpan(((m * k) + t) * k, k), t);
            weight[m] += _options.CommunityPseudoCount;
        }
        Probability.Normalize(weight);
        for (var m = 0; m < s.M; m++) s.LogRho[m] = Math.Log(weight[m]);
    }

    /// <summary>
    /// Adds two pseudo-answers to a community's confusion row and normalises it: one on the
    /// diagonal (a kind of labeler is right more often than not until its members' answers say
    /// otherwise, the assumption behind the majority-vote start) and one spread evenly (any answer
    /// is possible, so log Γ(s·φ) stays finite). Without the diagonal one a fit to very few answers
    /// drifts to the uninformative fixed point where every row is alike and every posterior is the
    /// class prior.
    /// </summary>
    private static void SmoothCommunityRow(Span<double> row, int truth)
    {
        row[truth] += 1.0;
        for (var l = 0; l < row.Length; l++) row[l] += 1.0 / row.Length;
        Probability.Normalize(row);
    }

    private void UpdateLabelers(FitState s)
    {
        var k = s.K;
        var strength = _options.PriorStrength;
        s.LogPrior.CopyTo(s.LogPriorWithSilence, 0);
        for (var w = 0; w < s.Workers; w++)
        {
            var membership = s.Memberships.AsSpan(w * s.M, s.M);
            if (s.Selective[w])
            {
                UpdateSelective(s, w, membership);
                continue;
            }
            for (var t = 0; t < k; t++)
            {
                var rowSum = 0.0;
                for (var l = 0; l < k; l++) rowSum += s.Counts[(((w * k) + t) * k) + l];
                var inv = 1.0 / (rowSum + strength);
                for (var l = 0; l < k; l++)
                {
                    var prior = 0.0;
                    for (var m = 0; m < s.M; m++) prior += membership[m] * s.Phi[(((m * k) + t) * k) + l];
                    var theta = (s.Counts[(((w * k) + t) * k) + l] + (strength * prior)) * inv;
                    s.LogTheta[(((w * k) + l) * k) + t] = Probability.SafeLog(theta);
                }
            }
        }
    }

    // A selective labeler is read as the online model reads it (OnlineDawidSkene.Reading): firing rates
    // P(answers l | t) = (C[t, l] + s·ρ·P[t, l]) / (N_t + s) over the checked items' class counts N, and silence 1 − Σ_l of
    // them on every item it did not answer. The silence goes into every item's prior (LogPriorWithSilence), and each
    // answer's column is divided by it, so the E-step reads silence where it did not answer and its rate where it did.
    private void UpdateSelective(FitState s, int w, ReadOnlySpan<double> membership)
    {
        var k = s.K;
        var strength = _options.PriorStrength;
        Span<double> rowSums = stackalloc double[k];
        for (var t = 0; t < k; t++)
        {
            for (var l = 0; l < k; l++) rowSums[t] += s.Counts[(((w * k) + t) * k) + l];
        }
        var pooled = SelectiveLabelers.PooledRate(s.ClassCounts, rowSums);
        for (var t = 0; t < k; t++)
        {
            var n = s.ClassCounts[t];
            var logSilence = Math.Log(SelectiveLabelers.Silence(rowSums[t], n, strength, pooled));
            s.LogPriorWithSilence[t] += logSilence;
            s.LogSilence[(w * k) + t] = logSilence;
            for (var l = 0; l < k; l++)
            {
                var prior = 0.0;
                for (var m = 0; m < s.M; m++) prior += membership[m] * s.Phi[(((m * k) + t) * k) + l];
                var rate = SelectiveLabelers.FiringRate(s.Counts[(((w * k) + t) * k) + l], rowSums[t], n, strength, pooled, prior);
                s.LogTheta[(((w * k) + l) * k) + t] = Probability.SafeLog(rate) - logSilence;
            }
        }
    }

    private InferenceResult BuildResult(AnswerMatrix data, double[] posteriors, FitState s, int iterations, bool converged, double[] trace)
    {
        var k = s.K;
        var priors = new double[k];
        for (var t = 0; t < k; t++) priors[t] = Math.Exp(s.LogPrior[t]);
        var confusions = new ConfusionMatrix[s.Workers];
        var skills = new double[s.Workers];
        var row = new double[k * k];
        for (var w = 0; w < s.Workers; w++)
        {
            for (var t = 0; t < k; t++)
                // A selective labeler's firing rates (its columns were divided by its silence for the E-step).
                for (var l = 0; l < k; l++) row[(t * k) + l] = Math.Exp(s.LogTheta[(((w * k) + l) * k) + t] + s.LogSilence[(w * k) + t]);
            confusions[w] = new ConfusionMatrix(row, k);
            skills[w] = confusions[w].Accuracy(priors);
        }
        return new InferenceResult(Name, data, posteriors, priors, confusions, skills, iterations, converged, trace);
    }

    /// <summary>The arrays one fit works on; sized once so iterations allocate nothing per worker.</summary>
    private sealed class FitState(int workers, int k, int communities)
    {
        public int Workers { get; } = workers;
        public int K { get; } = k;
        public int M { get; } = communities;

        /// <summary>Expected counts C_w[t,l] at [(w·K + t)·K + l].</summary>
        public double[] Counts { get; } = new double[workers * k * k];

        /// <summary>log θ_w[t,l] transposed to [(w·K + l)·K + t], so the E-step adds one contiguous row per answer.</summary>
        public double[] LogTheta { get; } = new double[workers * k * k];

        /// <summary>Community confusions φ_m[t,l] at [(m·K + t)·K + l].</summary>
        public double[] Phi { get; } = new double[communities * k * k];

        /// <summary>Membership probabilities r_wm at [w·M + m].</summary>
        public double[] Memberships { get; } = new double[workers * communities];

        public double[] LogRho { get; } = new double[communities];

        public double[] LogPrior { get; } = new double[k];

        /// <summary>With selective labelers: log π plus every selective labeler's log silence, the E-step's prior.</summary>
        public double[] LogPriorWithSilence { get; } = new double[k];

        /// <summary>A selective labeler's log silence at [w·K + t] (0 for the others).</summary>
        public double[] LogSilence { get; } = new double[workers * k];

        /// <summary>With selective labelers: the checked items' class counts N_t (π without its pseudo-count).</summary>
        public double[] ClassCounts { get; } = new double[k];

        /// <summary>Whether each labeler is selective (CommunityDawidSkeneOptions.SelectivePrefixes).</summary>
        public bool[] Selective { get; } = new bool[workers];
    }
}
