namespace Labeling.Domain.TruthInference;

/// <summary>
/// The batch methods by their short names, as the bench and configuration spell them.
/// <c>default</c> is the method the pipeline uses; see <see cref="Default()"/>.
/// </summary>
public static class InferenceMethods
{
    private static readonly Dictionary<string, Func<ITruthInference>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        ["mv"] = () => new MajorityVote(),
        ["ds"] = () => new DawidSkene(),
        ["wawa"] = () => new Wawa(),
        ["onecoin"] = () => new OneCoinDawidSkene(),
        ["glad"] = () => new Glad(),
        ["mace"] = () => new Mace(),
        ["community"] = () => new CommunityDawidSkene(),
        ["default"] = () => Default(),
    };

    /// <summary>Every registered name, in a stable order.</summary>
    public static IReadOnlyList<string> Names { get; } = Factories.Keys.ToArray();

    /// <summary>
    /// The pipeline's default: Dawid–Skene with worker communities (<see cref="CommunityDawidSkene"/>),
    /// which keeps full confusion matrices for labelers with much evidence and judges the rest by
    /// the community of labelers they resemble (reliable, mediocre or uninformative), so it holds up
    /// both where one-coin models win (sparse labelers, skewed classes) and where full confusion
    /// matrices win (class-specific biases, spammers).
    /// </summary>
    public static ITruthInference Default() => new CommunityDawidSkene("default", DefaultOptions);

    /// <summary>
    /// <see cref="Default()"/> with the labelers whose ids start with one of <paramref name="selectivePrefixes"/> read as
    /// selective (<see cref="CommunityDawidSkeneOptions.SelectivePrefixes"/>), as the online model reads them.
    /// </summary>
    /// <param name="selectivePrefixes">The selective labelers' id prefixes (the online model's).</param>
    /// <returns>The method, named <c>default</c>.</returns>
    public static ITruthInference Default(IReadOnlyList<string> selectivePrefixes) =>
        new CommunityDawidSkene("default", DefaultOptions with { SelectivePrefixes = selectivePrefixes });

    /// <summary>The options behind <see cref="Default()"/> (every setting at its documented default).</summary>
    public static CommunityDawidSkeneOptions DefaultOptions { get; } = new();

    /// <summary>Creates a method by name.</summary>
    /// <exception cref="ArgumentException">The name is not registered; the message lists the names that are.</exception>
    public static ITruthInference Create(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Factories.TryGetValue(name.Trim(), out var factory)
            ? factory()
            : throw new ArgumentException($"Unknown inference method '{name}'. Known methods: {string.Join(", ", Names)}.", nameof(name));
    }
}
