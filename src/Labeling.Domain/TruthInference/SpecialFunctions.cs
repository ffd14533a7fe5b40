namespace Labeling.Domain.TruthInference;

/// <summary>Special functions the latent-variable models need, written to stay finite.</summary>
internal static class SpecialFunctions
{
    /// <summary>
    /// log(1 + e^x) without overflow: for large |x| the exact value is x (or e^x) to double
    /// precision, so exp is only taken of non-positive arguments.
    /// </summary>
    public static double Softplus(double x) =>
        x > 0 ? x + Math.Log(1 + Math.Exp(-x)) : Math.Log(1 + Math.Exp(x));

    /// <summary>log σ(x) = −softplus(−x), finite for every finite x.</summary>
    public static double LogSigmoid(double x) => -Softplus(-x);

    /// <summary>σ(x) = 1 / (1 + e^−x), with exp taken of a non-positive argument only.</summary>
    public static double Sigmoid(double x)
    {
        if (x >= 0) return 1 / (1 + Math.Exp(-x));
        var e = Math.Exp(x);
        return e / (1 + e);
    }

    /// <summary>
    /// The digamma function ψ(x) = d/dx log Γ(x) for x &gt; 0: the recurrence ψ(x) = ψ(x + 1) − 1/x
    /// lifts x above 6, where the asymptotic series is accurate to about 1e-12.
    /// </summary>
    public static double Digamma(double x)
    {
        if (!(x > 0)) throw new ArgumentOutOfRangeException(nameof(x), x, "Digamma is only needed (and implemented) for positive arguments.");
        var result = 0.0;
        while (x < 6)
        {
            result -= 1 / x;
            x += 1;
        }
        var inv2 = 1 / (x * x);
        var series = inv2 * ((1.0 / 12) - (inv2 * ((1.0 / 120) - (inv2 * ((1.0 / 252) - (inv2 * ((1.0 / 240) - (inv2 / 132))))))));
        return result + Math.Log(x) - (0.5 / x) - series;
    }

    /// <summary>
    /// log Γ(x) for x &gt; 0: the recurrence Γ(x) = Γ(x + 1)/x lifts x to at least 7 (the shifts'
    /// product is accumulated and its log taken once), where Stirling's series to x⁻⁷ is accurate
    /// to about 1e-11.
    /// </summary>
    internal static double LogGamma(double x)
    {
        var shift = 1.0;
        while (x < 7)
        {
            shift *= x;
            x += 1;
        }
        var inv = 1 / x;
        var inv2 = inv * inv;
        var series = inv * ((1.0 / 12) - (inv2 * ((1.0 / 360) - (inv2 * ((1.0 / 1260) - (inv2 / 1680))))));
        return ((x - 0.5) * Math.Log(x)) - x + HalfLogTwoPi + series - Math.Log(shift);
    }

    private const double HalfLogTwoPi = 0.91893853320467274178;
}
