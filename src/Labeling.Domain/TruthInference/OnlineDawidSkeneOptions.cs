namespace Labeling.Domain.TruthInference;

/// <summary>
/// Settings of <see cref="OnlineDawidSkene"/>. The defaults mirror
/// <see cref="CommunityDawidSkeneOptions"/>, so the online model and the batch default are the
/// same model fitted two ways.
/// </summary>
public sealed record OnlineDawidSkeneOptions
{
    /// <summary>Configuration section name when bound from settings.</summary>
    public const string SectionName = "TruthInference:Online";

    /// <summary>
    /// Number of worker communities M. Default 3 (reliable, mediocre, uninformative), as the
    /// batch default; 1 gives a single pooled prior.
    /// </summary>
    public int Communities { get; init; } = 3;

    /// <summary>
    /// Pseudo-answers s per confusion row of a labeler's prior, spread like its community's row.
    /// Default 10, as <see cref="CommunityDawidSkeneOptions.PriorStrength"/>.
    /// </summary>
    public double PriorStrength { get; init; } = 10.0;

    /// <summary>Dirichlet pseudo-count per class of the class distribution. Default 1 (Laplace).</summary>
    public double ClassPseudoCount { get; init; } = 1.0;

    /// <summary>
    /// Half-life of a labeler's evidence: a vote's weight in its labeler's statistics halves
    /// every this long, so reliabilities follow drift. Null (default) keeps all evidence.
    /// </summary>
    public TimeSpan? HalfLife { get; init; }

    /// <summary>
    /// Id prefixes of selective labelers: labelers that vote only on items meeting a condition of
    /// their own (a keyword rule votes "spam" when it matches and abstains otherwise), so the items
    /// they vote on are not a sample of the data. An item whose votes all come from selective
    /// labelers is left out of the class distribution until another labeler votes on it or it is
    /// gold; otherwise a few one-sided rules would set the class prior before the crowd has said
    /// anything. For the same reason they never join a worker community (their counts would teach
    /// every new worker "answers that label whatever the truth"). A selective labeler is taken to have
    /// run on every item of its capability: it is read by its firing rates and, on the items it did
    /// not vote on, its silence, learned only from checked items (another labeler's vote, or gold;
    /// see <see cref="SelectiveLabelers"/> and <see cref="OnlineDawidSkene.Reading"/>). With a
    /// <see cref="HalfLife"/> its counts decay and the class counts its rates divide by do not, so
    /// its rates read lower as its evidence ages.
    /// Empty by default; the application lists its rules' prefix.
    /// </summary>
    public IReadOnlyList<string> SelectivePrefixes { get; init; } = [];

    /// <summary>Throws with a message naming the bad setting.</summary>
    public void Validate()
    {
        if (Communities < 1) throw new ArgumentOutOfRangeException(nameof(Communities), Communities, "Use at least one community (1 gives a single pooled prior).");
        if (!(PriorStrength > 0) || !double.IsFinite(PriorStrength)) throw new ArgumentOutOfRangeException(nameof(PriorStrength), PriorStrength, "The prior strength must be a positive number of pseudo-answers (default 10).");
        if (!(ClassPseudoCount > 0)) throw new ArgumentOutOfRangeException(nameof(ClassPseudoCount), ClassPseudoCount, "The class pseudo-count must be positive (default 1).");
        if (SelectivePrefixes is null || SelectivePrefixes.Any(string.IsNullOrEmpty)) throw new ArgumentException("Selective labeler prefixes must be non-empty strings, e.g. \"rule:\".", nameof(SelectivePrefixes));
        if (HalfLife is { } h && h <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(HalfLife), h, "The half-life must be positive, or null for no decay.");
    }
}
