using System.Globalization;
using Labeling.Domain.Labelers;
using Labeling.Domain.Projects;
using Labeling.Domain.Routing;
using Labeling.Domain.TruthInference;

namespace Labeling.Application.Truth;

/// <summary>
/// One project's online Dawid–Skene model, with the project's labels and capability applied, and the
/// per-item evidence the stores persist so the model can be rebuilt exactly after a restart.
/// </summary>
/// <remarks>
/// A labeling step saves, for the items it touched, <see cref="OnlineDawidSkene.ItemState"/> (votes,
/// gold, and the posterior the labelers' statistics hold — not a fresh read) and the statistics of
/// their labelers. Those point writes are what <see cref="OnlineDawidSkene.FromState"/> needs.
/// </remarks>
public sealed class ProjectTruthModel
{
    private ProjectTruthModel(Project project, OnlineDawidSkene model)
    {
        Project = project;
        Model = model;
    }

    /// <summary>The project the model belongs to, in the version the last step opened it with.</summary>
    public Project Project { get; private set; }

    /// <summary>The truth model.</summary>
    public OnlineDawidSkene Model { get; }

    /// <summary>
    /// Workers' retirement readings, each with the evidence it was read at (a held-out reading costs
    /// O(votes × votes per item)); kept with the model, so a re-fit, which rebuilds the model, starts afresh.
    /// Used by <c>WorkerRetirementCheck</c> under the project's session.
    /// </summary>
    internal Dictionary<string, WorkerRetirementAssessment> RetirementReadings { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The workers' reliabilities as the model stood when it was loaded (<see cref="ProjectModels"/> takes it), which is
    /// what a worker is shown of itself; null for a model built for another purpose (the re-fit's).
    /// </summary>
    public ReliabilitySnapshot? Snapshot { get; internal set; }

    /// <summary>The worker last found informative by <c>WorkerRetirementCheck</c>'s guard, tried first next time.</summary>
    internal string? InformativeWorker { get; set; }

    /// <summary>
    /// Takes a changed version of the project (its labels and task kind are the same; its routing, name or texts not). The
    /// workers' retirement readings, made under the old routing, are read again when next needed.
    /// </summary>
    /// <param name="project">The newer version.</param>
    internal void UseProject(Project project)
    {
        ArgumentNullException.ThrowIfNull(project);
        if (!string.Equals(project.Id, Project.Id, StringComparison.Ordinal) || project.Capability != Project.Capability
            || !project.Schema.Names.SequenceEqual(Project.Schema.Names, StringComparer.Ordinal))
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Project '{project.Id}' version {project.Version} changes what the model's classes are; a project's labels and task kind never change."));
        }

        Project = project;
        RetirementReadings.Clear();
        InformativeWorker = null;
    }

    /// <summary>Rebuilds the model from its stored state.</summary>
    /// <param name="project">The project.</param>
    /// <param name="state">Labeler statistics and item evidence.</param>
    /// <param name="options">Model settings, as <see cref="ProjectModels.ModelOptions"/> gives them (rules
    /// selective, <see cref="WithRulesSelective"/>).</param>
    /// <returns>The model.</returns>
    public static ProjectTruthModel FromState(Project project, OnlineDawidSkeneState state, OnlineDawidSkeneOptions? options)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(state);
        return new ProjectTruthModel(project, OnlineDawidSkene.FromState(state, options));
    }

    /// <summary>The model settings with rules listed as selective labelers.</summary>
    /// <param name="options">The settings; null for the defaults.</param>
    /// <returns>The settings to build a project's model with.</returns>
    public static OnlineDawidSkeneOptions WithRulesSelective(OnlineDawidSkeneOptions? options)
    {
        options ??= new OnlineDawidSkeneOptions();
        var rules = LabelerIds.PrefixOf(LabelerKind.Rule);
        return options.SelectivePrefixes.Contains(rules, StringComparer.Ordinal)
            ? options
            : options with { SelectivePrefixes = [.. options.SelectivePrefixes, rules] };
    }

    /// <summary>Records a vote and returns the item's new posterior.</summary>
    /// <param name="itemId">The item.</param>
    /// <param name="labelerId">Who voted.</param>
    /// <param name="label">The label (in the schema).</param>
    /// <param name="at">When.</param>
    /// <returns>The posterior in schema order.</returns>
    public double[] Observe(string itemId, string labelerId, string label, DateTimeOffset at) =>
        Model.Observe(itemId, labelerId, label, Project.Capability, at);

    /// <summary>Clamps an item to its known label (gold, or a reviewer's decision).</summary>
    /// <param name="itemId">The item.</param>
    /// <param name="label">The true label.</param>
    /// <param name="at">When.</param>
    public void SetGold(string itemId, string label, DateTimeOffset at) =>
        Model.SetGold(itemId, label, Project.Capability, at);

    /// <summary>The item's posterior under the current reliabilities, or null before any vote.</summary>
    /// <param name="itemId">The item.</param>
    /// <returns>The posterior in schema order.</returns>
    public double[]? Posterior(string itemId) => Model.Posterior(itemId);

    /// <summary>
    /// The posterior the routing policy stops on: <paramref name="posterior"/> itself when the project's
    /// <see cref="RoutingSettings.ReliabilityDoubt"/> is 0 or the item is gold, otherwise the item's
    /// votes read with each voter's reliability discounted by how little evidence the model has about
    /// it (<see cref="Domain.Routing.StoppingPosterior"/>), under the current reliabilities.
    /// </summary>
    /// <param name="itemId">The item.</param>
    /// <param name="posterior">The item's posterior as the model just returned or stored it; null before any label vote.</param>
    /// <returns>The stopping posterior in schema order, or null when the item has no label votes.</returns>
    public IReadOnlyList<double>? StoppingPosterior(string itemId, IReadOnlyList<double>? posterior)
    {
        var doubt = Project.Routing.ReliabilityDoubt;
        if (posterior is null || doubt == 0 || Model.ItemState(itemId) is not { Gold: null, Votes.Length: > 0 } evidence)
        {
            return posterior;
        }

        return Domain.Routing.StoppingPosterior.OfFactors(Model.ClassPriors(Project.Capability), Model.Factors(itemId), doubt);
    }

    /// <summary>Labelers who voted on the item, with their label index, in vote order.</summary>
    /// <param name="itemId">The item.</param>
    /// <returns>The votes.</returns>
    public IReadOnlyList<(string LabelerId, int Label)> VotesOn(string itemId) =>
        Model.ItemState(itemId) is { } state ? state.Votes.Select(v => (v.Labeler, v.Label)).ToArray() : [];

    /// <summary>The item's evidence as the store keeps it, or null when the model has never seen it.</summary>
    /// <param name="itemId">The item.</param>
    /// <returns>The evidence.</returns>
    public ItemEvidenceState? EvidenceOf(string itemId) => Model.ItemState(itemId);

    /// <summary>The statistics of every labeler who voted on the item, to store after a change to it.</summary>
    /// <param name="itemId">The item.</param>
    /// <returns>Statistics states.</returns>
    public IReadOnlyList<LabelerStatisticsState> StatisticsOfVoters(string itemId) =>
        VotesOn(itemId).Select(v => v.LabelerId).Distinct(StringComparer.Ordinal)
            .Select(id => Model.Statistics(id, Project.Capability)?.ToState())
            .OfType<LabelerStatisticsState>()
            .ToArray();

    /// <summary>Machine votes on the item (rules, LLMs, models) as labeler id and label name.</summary>
    /// <param name="itemId">The item.</param>
    /// <returns>The machine votes.</returns>
    public IReadOnlyList<(string LabelerId, string Label)> MachineVotesOn(string itemId) =>
        VotesOn(itemId)
            .Where(v => LabelerIds.KindOf(v.LabelerId) != LabelerKind.Worker)
            .Select(v => (v.LabelerId, Project.Schema.Labels[v.Label].Name))
            .ToArray();
}
