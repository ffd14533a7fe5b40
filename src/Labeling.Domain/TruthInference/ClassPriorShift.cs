using System.Globalization;

namespace Labeling.Domain.TruthInference;

/// <summary>
/// Re-reads a group of items whose class mix differs from the population a fit's class prior was
/// learned on: the items the crowd has not settled. Their posteriors are kept as likelihoods and
/// the group's own class prior is learned from them.
/// </summary>
/// <remarks>
/// <para>A fit's posterior is p_it ∝ π_t · L_it, with π the class prior of every item and L_it the
/// likelihood of item i's votes under class t. The items still undecided are not a random draw.
/// Their votes disagree, or too few came, so their class mix is that of the classes workers
/// confuse and the classes they settle slowly. The population prior, which the easy items
/// dominate, then tips their close calls the wrong way. In three replays, grade 3 is 29 % of dog's
/// items but 16 % of the undecided ones, and web's class 5 is 23 % of its items, 85 % of the
/// decided ones and 3 % of the undecided.</para>
/// <para>The fix is prior-shift EM (Saerens, Latinne &amp; Decaestecker, "Adjusting the outputs of a
/// classifier to new a priori probabilities", Neural Computation 14, 2002), with the worker
/// confusions held as fitted:
/// q_it ∝ p_it · ρ_t / π_t, then ρ_t = (Σ_i q_it + s·π_t) / (n + s), repeated until ρ stops moving.
/// The s pseudo-items (<c>strength</c>) shrink ρ towards π, so a handful of items cannot swing
/// it. Each EM step raises the group's marginal likelihood, Σ_i log Σ_t ρ_t L_it, plus the
/// Dirichlet(s·π) log-density of ρ.</para>
/// <para>Only the readings of the group change. The confusions and every other item are left
/// alone. Fitting them jointly, with a prior per group inside the EM, let the two priors and the
/// confusions drift together and cost web 2 to 12 points (docs/benchmarks.md, "Undecided items
/// read with their own class mix").</para>
/// </remarks>
public static class ClassPriorShift
{
    /// <summary>Iterations at most; the update is a contraction and stops long before on real data.</summary>
    public const int MaxIterations = 500;

    /// <summary>EM stops when no class's share moves by more than this.</summary>
    public const double Tolerance = 1e-9;

    /// <summary>
    /// Learns the group's class prior and re-reads each of its posteriors with it.
    /// </summary>
    /// <param name="posteriors">The group's posteriors under <paramref name="prior"/>, one row of K per item.</param>
    /// <param name="prior">The class prior the posteriors were computed with (K classes, each share above zero).</param>
    /// <param name="strength">Pseudo-items at <paramref name="prior"/> that ρ is shrunk towards (0 or more).</param>
    /// <returns>The group's class prior and the re-read posteriors, in the order given.</returns>
    /// <exception cref="ArgumentException">A row's length is not K, a prior share is not above zero, or a value is not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="strength"/> is negative or not finite.</exception>
    public static ClassPriorShiftResult Fit(IReadOnlyList<double[]> posteriors, ReadOnlySpan<double> prior, double strength)
    {
        ArgumentNullException.ThrowIfNull(posteriors);
        if (!double.IsFinite(strength) || strength < 0)
            throw new ArgumentOutOfRangeException(nameof(strength), strength, "The pseudo-item count must be a finite number, 0 or more.");
        var k = prior.Length;
        if (k == 0) throw new ArgumentException("The prior has no classes.", nameof(prior));
        foreach (var p in prior)
            if (!(p > 0) || !double.IsFinite(p)) throw new ArgumentException("Every class's prior share must be above zero: the posteriors are divided by it.", nameof(prior));
        foreach (var row in posteriors)
        {
            ArgumentNullException.ThrowIfNull(row, nameof(posteriors));
            if (row.Length != k) throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Each posterior must have {k} values, one per class; one has {row.Length}."), nameof(posteriors));
            foreach (var v in row)
                if (!double.IsFinite(v) || v < 0) throw new ArgumentException("Posterior values must be finite and not negative.", nameof(posteriors));
        }

        // Likelihoods up to a per-item constant: L_it ∝ p_it / π_t.
        var n = posteriors.Count;
        var likelihoods = new double[n * k];
        for (var i = 0; i < n; i++)
        {
            var row = likelihoods.AsSpan(i * k, k);
            for (var t = 0; t < k; t++) row[t] = posteriors[i][t] / prior[t];
            Probability.Normalize(row);
        }

        var shifted = prior.ToArray();
        var reread = new double[n * k];
        var next = new double[k];
        var iterations = 0;
        while (n > 0 && iterations < MaxIterations)
        {
            iterations++;
            Reread(likelihoods, shifted, reread, k);
            for (var t = 0; t < k; t++) next[t] = strength * prior[t];
            for (var i = 0; i < n; i++)
                for (var t = 0; t < k; t++) next[t] += reread[(i * k) + t];
            Probability.Normalize(next);
            var moved = 0.0;
            for (var t = 0; t < k; t++) moved = Math.Max(moved, Math.Abs(next[t] - shifted[t]));
            next.CopyTo(shifted, 0);
            if (moved <= Tolerance) break;
        }

        Reread(likelihoods, shifted, reread, k);
        var rows = new double[n][];
        for (var i = 0; i < n; i++) rows[i] = reread.AsSpan(i * k, k).ToArray();
        return new ClassPriorShiftResult(shifted, rows, iterations);
    }

    private static void Reread(double[] likelihoods, double[] prior, double[] into, int k)
    {
        for (var i = 0; i < likelihoods.Length / k; i++)
        {
            var row = into.AsSpan(i * k, k);
            for (var t = 0; t < k; t++) row[t] = likelihoods[(i * k) + t] * prior[t];
            Probability.Normalize(row);
        }
    }
}

/// <summary>What <see cref="ClassPriorShift.Fit"/> learned.</summary>
/// <param name="Prior">The group's class prior ρ.</param>
/// <param name="Posteriors">Each item's posterior read with ρ, in the order given.</param>
/// <param name="Iterations">EM iterations run (0 for an empty group).</param>
public sealed record ClassPriorShiftResult(IReadOnlyList<double> Prior, IReadOnlyList<double[]> Posteriors, int Iterations);
