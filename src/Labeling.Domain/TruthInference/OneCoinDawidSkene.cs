namespace Labeling.Domain.TruthInference;

/// <summary>
/// One-coin Dawid–Skene: every labeler has one accuracy, and their mistakes are spread evenly over
/// the other labels. Fitted with EM from majority-vote initial posteriors.
/// </summary>
/// <remarks>
/// <para>Model (the "one-coin" restriction of Dawid &amp; Skene, 1979, as in ZenCrowd — Demartini,
/// Difallah &amp; Cudré-Mauroux, WWW 2012 — and in Zhang, Chen, Zhou &amp; Jordan, "Spectral methods
/// meet EM", JMLR 17, 2016; implemented as Crowd-Kit's <c>OneCoinDawidSkene</c>): z_i ~ Cat(π);
/// labeler w answers l with P(l | z_i = t) = s_w when l = t and (1 − s_w)/(K − 1) otherwise.</para>
/// <para>E-step: log T_it = log π_t + Σ_{(w,l) ∈ answers(i)} [l = t] log s_w + [l ≠ t] log((1 − s_w)/(K − 1)) − log Z_i.
/// M-step: s_w = (1/|answers(w)|) Σ_{(i,l) ∈ answers(w)} T_il (the expected share of w's answers that
/// are right), clipped to [ε, 1 − ε]; π_t = (1/I) Σ_i T_it. The objective is Σ_i log Z_i, the
/// marginal log-likelihood; EM stops when it changes by less than the tolerance per answer.</para>
/// <para>With one parameter per labeler the model needs far less evidence than full Dawid–Skene,
/// but it cannot express class-dependent errors (a labeler who always answers one class looks
/// like a labeler of accuracy π of that class). Cost: O(answers + items × K) per iteration.</para>
/// </remarks>
public sealed class OneCoinDawidSkene : ITruthInference
{
    private readonly OneCoinDawidSkeneOptions _options;

    /// <summary>Creates the method with the given options (Crowd-Kit's defaults when omitted).</summary>
    public OneCoinDawidSkene(OneCoinDawidSkeneOptions? options = null)
    {
        _options = options ?? new OneCoinDawidSkeneOptions();
        _options.Validate();
    }

    /// <inheritdoc />
    public string Name => "onecoin";

    /// <inheritdoc />
    public InferenceResult Fit(AnswerMatrix data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var k = data.ClassCount;
        var posteriors = Probability.VoteShares(data);
        var skills = new double[data.WorkerCount];
        if (k < 2 || data.AnswerCount == 0)
        {
            // With one class there is nothing to infer; without answers there is no evidence.
            Array.Fill(skills, k == 0 ? 0.0 : 1.0 / k);
            return new InferenceResult(Name, data, posteriors, Probability.ClassShares(posteriors, data.ItemCount, k), workerSkills: skills, iterations: 0);
        }

        var logRight = new double[data.WorkerCount];
        var logWrong = new double[data.WorkerCount];
        var logPrior = new double[k];
        var trace = new List<double>();
        var converged = false;
        var iteration = 0;
        var previous = double.NegativeInfinity;
        while (iteration < _options.MaxIterations)
        {
            iteration++;
            MStep(data, posteriors, skills, logRight, logWrong, logPrior);
            var objective = EStep(data, posteriors, logRight, logWrong, logPrior);
            trace.Add(objective);
            if (Math.Abs(objective - previous) / data.AnswerCount <= _options.Tolerance)
            {
                converged = true;
                break;
            }
            previous = objective;
        }

        // Report the skills that produced the final posteriors.
        var priors = new double[k];
        for (var t = 0; t < k; t++) priors[t] = Math.Exp(logPrior[t]);
        var confusions = new ConfusionMatrix[data.WorkerCount];
        var cells = new double[k * k];
        for (var w = 0; w < data.WorkerCount; w++)
        {
            cells.AsSpan().Fill((1 - skills[w]) / (k - 1));
            for (var t = 0; t < k; t++) cells[(t * k) + t] = skills[w];
            confusions[w] = new ConfusionMatrix(cells, k);
        }
        return new InferenceResult(Name, data, posteriors, priors, confusions, skills, iteration, converged, trace.ToArray());
    }

    private void MStep(AnswerMatrix data, double[] posteriors, double[] skills, double[] logRight, double[] logWrong, double[] logPrior)
    {
        var k = data.ClassCount;
        var offsets = data.WorkerOffsets;
        var positions = data.WorkerAnswers;
        var answerItem = data.AnswerItem;
        var answerLabel = data.AnswerLabel;
        var clip = _options.SkillClip;
        for (var w = 0; w < data.WorkerCount; w++)
        {
            var answered = offsets[w + 1] - offsets[w];
            var sum = 0.0;
            for (var n = offsets[w]; n < offsets[w + 1]; n++)
            {
                var p = positions[n];
                sum += posteriors[(answerItem[p] * k) + answerLabel[p]];
            }
            // A labeler with no answers is an uninformative coin; the value never reaches a posterior.
            var s = answered == 0 ? 1.0 / k : Math.Clamp(sum / answered, clip, 1 - clip);
            skills[w] = s;
            logRight[w] = Math.Log(s);
            logWrong[w] = Math.Log((1 - s) / (k - 1));
        }

        var prior = Probability.ClassShares(posteriors, data.ItemCount, k);
        for (var t = 0; t < k; t++) logPrior[t] = Probability.SafeLog(prior[t]);
    }

    private static double EStep(AnswerMatrix data, double[] posteriors, double[] logRight, double[] logWrong, double[] logPrior)
    {
        var k = data.ClassCount;
        var offsets = data.ItemOffsets;
        var answerWorker = data.AnswerWorker;
        var answerLabel = data.AnswerLabel;
        var objective = 0.0;
        for (var i = 0; i < data.ItemCount; i++)
        {
            var row = posteriors.AsSpan(i * k, k);
            logPrior.CopyTo(row);
            // Every class gets the "wrong" term; the answered class swaps it for the "right" one.
            var wrong = 0.0;
            for (var p = offsets[i]; p < offsets[i + 1]; p++)
            {
                var w = answerWorker[p];
                wrong += logWrong[w];
                row[answerLabel[p]] += logRight[w] - logWrong[w];
            }
            for (var t = 0; t < k; t++) row[t] += wrong;
            objective += Probability.NormalizeLog(row);
        }
        return objective;
    }
}
