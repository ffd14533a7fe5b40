namespace Labeling.Domain.TruthInference;

/// <summary>
/// Settings of <see cref="CommunityDawidSkene"/>. The defaults are the pipeline's default method
/// (see <see cref="InferenceMethods.Default()"/>); each has a reason that does not depend on a
/// particular data set.
/// </summary>
public sealed record CommunityDawidSkeneOptions
{
    /// <summary>Configuration section name when bound from settings.</summary>
    public const string SectionName = "TruthInference:Community";

    /// <summary>
    /// Number of worker communities M. Default 3: enough to separate reliable labelers, mediocre
    /// ones and labelers whose answers carry no information, which is what the initial communities
    /// are (see <see cref="CommunityDawidSkene"/>). Communities the data does not support empty
    /// out, but not wholly: on the six public sets M = 5 scored a mean of 0.8494 against 0.8530 for 3
    /// (duck and face lower), and M = 2 0.8486; 1 gives a single pooled prior.
    /// </summary>
    public int Communities { get; init; } = 3;

    /// <summary>
    /// Strength s of a worker's prior: each of its confusion rows starts with s pseudo-answers
    /// spread like its community's row. Default 10, which lets a cell of a worker's confusion
    /// matrix differ from its community's by a standard deviation of at most
    /// √(¼ / (s + 1)) ≈ 0.15 (the variance of a Dirichlet component is φ(1 − φ)/(s + 1)) — the spread
    /// of accuracies within one kind of labeler — and lets a worker's own evidence dominate once it
    /// has given about ten answers for a class.
    /// </summary>
    public double PriorStrength { get; init; } = 10.0;

    /// <summary>
    /// Dirichlet pseudo-count γ per community of the community proportions ρ: each community counts
    /// γ labelers more than its members. Default 10. With 1 a community's share feeds on itself — a
    /// labeler joins the likeliest community, which makes it likelier still — and on the web set's
    /// replayed votes nearly every labeler ended in one community, one of five grades was absorbed
    /// by its neighbours and EM cycled between two states without converging (docs/benchmarks.md,
    /// "Communities that empty"). Ten is small beside a crowd of a hundred labelers, so a community
    /// the data supports still grows with its members.
    /// </summary>
    public double CommunityPseudoCount { get; init; } = 10.0;

    /// <summary>
    /// Dirichlet pseudo-count per class of the class distribution. Default 1 (Laplace's rule: one
    /// pseudo-item per class), so a class no item seems to have keeps a non-zero prior.
    /// </summary>
    public double ClassPseudoCount { get; init; } = 1.0;

    /// <summary>
    /// Id prefixes of selective labelers, as <see cref="OnlineDawidSkeneOptions.SelectivePrefixes"/>: labelers that
    /// vote only where a condition of their own holds (a keyword rule votes "spam" where it matches), so the items they
    /// vote on are not a sample of the data and their counts hold one label whatever the truth. An item only selective
    /// labelers answered does not count in the class distribution, and a selective labeler joins no community: its
    /// prior is the communities' mixture, and its counts do not move them. It is read as the online model reads it, by
    /// its firing rates and its silence on the items it did not answer, learned from the checked items only
    /// (<see cref="SelectiveLabelers"/>); its <see cref="InferenceResult"/> confusion holds its firing rates, whose rows
    /// do not sum to one. Empty by default (every labeler counts).
    /// </summary>
    public IReadOnlyList<string> SelectivePrefixes { get; init; } = [];

    /// <summary>EM iterations at most. Default 100.</summary>
    public int MaxIterations { get; init; } = 100;

    /// <summary>
    /// Stop when the marginal log-likelihood changes by less than this per answer. Default 1e-7:
    /// community memberships move slowly once items have settled, and stopping at 1e-6 per answer
    /// can halt EM before a membership switch that still changes labels.
    /// </summary>
    public double Tolerance { get; init; } = 1e-7;

    /// <summary>Throws with a message naming the bad setting and what to use instead.</summary>
    public void Validate()
    {
        if (Communities < 1) throw new ArgumentOutOfRangeException(nameof(Communities), Communities, "Use at least one community (1 gives a single pooled prior).");
        if (!(PriorStrength > 0) || !double.IsFinite(PriorStrength))
            throw new ArgumentOutOfRangeException(nameof(PriorStrength), PriorStrength, "The prior strength is a number of pseudo-answers per confusion row; use a positive finite value such as 10.");
        if (!(CommunityPseudoCount > 0) || !double.IsFinite(CommunityPseudoCount))
            throw new ArgumentOutOfRangeException(nameof(CommunityPseudoCount), CommunityPseudoCount, "The community pseudo-count is a number of pseudo-labelers per community; use a positive finite value such as 10.");
        if (!(ClassPseudoCount >= 0) || !double.IsFinite(ClassPseudoCount))
            throw new ArgumentOutOfRangeException(nameof(ClassPseudoCount), ClassPseudoCount, "The class pseudo-count must be zero or positive.");
        if (MaxIterations < 1) throw new ArgumentOutOfRangeException(nameof(MaxIterations), MaxIterations, "Run at least one iteration.");
        if (SelectivePrefixes is null || SelectivePrefixes.Any(string.IsNullOrEmpty))
            throw new ArgumentException("Selective labeler prefixes must be non-empty strings, e.g. \"rule:\".", nameof(SelectivePrefixes));
        if (!(Tolerance >= 0)) throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, "Tolerance must be zero or positive.");
    }
}
