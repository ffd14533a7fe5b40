using System.Globalization;
using Labeling.Domain.TruthInference;

namespace Labeling.Domain.Routing;

/// <summary>
/// The posterior the routing policy stops on: the item's posterior with each voter's reliability
/// discounted by how little evidence the model has about that voter yet.
/// </summary>
/// <remarks>
/// <para>The truth model reads labeler w's vote l through its confusion column θ_w[·, l], which mixes
/// w's own counts with a prior learned from the same crowd (its community). That is the right
/// estimate of the label, but as evidence for stopping it lets two votes from labelers nobody has
/// checked yet — on a fresh project, every labeler — reach the target: with a reliable-looking
/// community prior, two agreeing votes push a four-class posterior past 0.95. For the stopping
/// decision each column is shrunk towards the uninformative answer,</para>
/// <para>θ'_w[t, l] = (n_w·θ_w[t, l] + d/K) / (n_w + d),</para>
/// <para>where n_w is w's evidence (expected answers the model has counted for it) and d the doubt
/// (<see cref="RoutingSettings.ReliabilityDoubt"/>, in pseudo-answers): a vote by a labeler with no
/// evidence moves the stopping posterior not at all, one with n_w = d counts half, and one with
/// n_w ≫ d counts as the model reads it. The stopping posterior is then
/// p(t) ∝ π_t Π_w θ'_w[t, l_w] with the model's class prior π, computed in log space and normalised
/// after subtracting the maximum. With d = 0 it is the model's own posterior.</para>
/// <para>This is the same shape as the model's Dirichlet prior (pseudo-answers spread like a prior
/// row), with an uninformative prior in place of the community's, so d defaults to the model's prior
/// strength: a labeler's own record outweighs the doubt once it holds more answers than the prior
/// holds pseudo-answers.</para>
/// <para>A selective labeler's factors (its firing rate where it voted, its silence elsewhere; see
/// <see cref="OnlineDawidSkene.Factors"/>) are discounted the same way, scaled to sum to one so the
/// doubt's 1/K is on their scale; a silence's evidence is the number of checked items its rates
/// were learned from.</para>
/// </remarks>
public static class StoppingPosterior
{
    /// <summary>Computes the stopping posterior of one item.</summary>
    /// <param name="classPriors">The model's class distribution π (K values).</param>
    /// <param name="votes">Each vote on the item: its labeler's confusion (prior included), the labeler's evidence n_w, and the label index voted.</param>
    /// <param name="doubt">Pseudo-answers d of the uninformative labeler mixed into each voter; 0 for none.</param>
    /// <returns>The posterior over the K classes.</returns>
    /// <exception cref="ArgumentException">A confusion matrix or label does not match the K classes, or the doubt is negative.</exception>
    public static double[] Of(ReadOnlySpan<double> classPriors, IEnumerable<(ConfusionMatrix Confusion, double Evidence, int Label)> votes, double doubt)
    {
        ArgumentNullException.ThrowIfNull(votes);
        var k = classPriors.Length;
        return OfFactors(classPriors, votes.Select(v =>
        {
            if (v.Confusion.ClassCount != k || v.Label < 0 || v.Label >= k)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"A vote has label {v.Label} and a {v.Confusion.ClassCount}-class confusion matrix; the item has {k} classes."), nameof(votes));
            var column = new double[k];
            for (var t = 0; t < k; t++) column[t] = v.Confusion[t, v.Label];
            return new PosteriorFactor(string.Empty, v.Label, column, v.Evidence);
        }), doubt);
    }

    /// <summary>Computes the stopping posterior of one item from the factors of its posterior (<see cref="OnlineDawidSkene.Factors"/>).</summary>
    /// <param name="classPriors">The model's class distribution π (K values).</param>
    /// <param name="factors">Each factor θ_w[·] (a vote's column, or a selective labeler's silence) with its evidence n_w.</param>
    /// <param name="doubt">Pseudo-answers d of the uninformative labeler mixed into each factor; 0 for none.</param>
    /// <returns>The posterior over the K classes.</returns>
    /// <exception cref="ArgumentException">A factor does not have K values, or the doubt is negative.</exception>
    public static double[] OfFactors(ReadOnlySpan<double> classPriors, IEnumerable<PosteriorFactor> factors, double doubt)
    {
        ArgumentNullException.ThrowIfNull(factors);
        if (!(doubt >= 0) || !double.IsFinite(doubt))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The doubt must be a finite number of pseudo-answers, 0 or more (got {doubt})."), nameof(doubt));
        var k = classPriors.Length;
        if (k == 0) throw new ArgumentException("Give the class priors of at least one class.", nameof(classPriors));
        var log = new double[k];
        for (var t = 0; t < k; t++) log[t] = Math.Log(Math.Max(classPriors[t], double.Epsilon));
        foreach (var factor in factors)
        {
            var column = factor.Column;
            if (column.Count != k)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"A factor of labeler '{factor.Labeler}' has {column.Count} values; the item has {k} classes."), nameof(factors));
            var n = Math.Max(factor.Evidence, 0.0);
            for (var t = 0; t < k; t++)
            {
                // n + d > 0 unless both are zero, which is the model's own column.
                var theta = n + doubt > 0 ? ((n * column[t]) + (doubt / k)) / (n + doubt) : column[t];
                log[t] += Math.Log(Math.Max(theta, double.Epsilon));
            }
        }

        var max = log.Max();
        var sum = 0.0;
        for (var t = 0; t < k; t++)
        {
            log[t] = Math.Exp(log[t] - max);
            sum += log[t];
        }

        for (var t = 0; t < k; t++) log[t] /= sum;
        return log;
    }
}
