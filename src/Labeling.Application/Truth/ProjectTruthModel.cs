using Labeling.Domain.Labelers;
using Labeling.Domain.Projects;
using Labeling.Domain.TruthInference;

namespace Labeling.Application.Truth;

/// <summary>
/// One project's online Dawid–Skene model, plus the per-item evidence the stores persist so the
/// model can be rebuilt exactly after a restart.
/// </summary>
/// <remarks>
/// The model keeps each item's votes internally; this wrapper mirrors them (labeler, label index,
/// time of the last update — as <see cref="VoteEvidenceState.At"/> documents) so that saving one
/// item's evidence is a point write instead of serialising the whole model.
/// </remarks>
public sealed class ProjectTruthModel
{
    private readonly Dictionary<string, ItemTrace> _items = new(StringComparer.Ordinal);

    private ProjectTruthModel(Project project, OnlineDawidSkene model)
    {
        Project = project;
        Model = model;
    }

    /// <summary>The project the model belongs to.</summary>
    public Project Project { get; }

    /// <summary>The truth model.</summary>
    public OnlineDawidSkene Model { get; }

    /// <summary>Rebuilds the model from its stored state.</summary>
    /// <param name="project">The project.</param>
    /// <param name="state">Labeler statistics and item evidence.</param>
    /// <param name="options">Model settings.</param>
    /// <returns>The model.</returns>
    public static ProjectTruthModel FromState(Project project, OnlineDawidSkeneState state, OnlineDawidSkeneOptions? options)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(state);
        var model = new ProjectTruthModel(project, OnlineDawidSkene.FromState(state, options));
        foreach (var item in state.Items)
        {
            var trace = new ItemTrace { Gold = item.Gold, At = item.Votes.LastOrDefault()?.At };
            trace.Votes.AddRange(item.Votes.Select(v => (v.Labeler, v.Label)));
            model._items[item.Item] = trace;
        }

        return model;
    }

    /// <summary>Records a vote and returns the item's new posterior.</summary>
    /// <param name="itemId">The item.</param>
    /// <param name="labelerId">Who voted.</param>
    /// <param name="label">The label (in the schema).</param>
    /// <param name="at">When.</param>
    /// <returns>The posterior in schema order.</returns>
    public double[] Observe(string itemId, string labelerId, string label, DateTimeOffset at)
    {
        var posterior = Model.Observe(itemId, labelerId, label, Project.Capability, at);
        var trace = Trace(itemId);
        trace.Votes.Add((labelerId, Project.Schema.IndexOf(label)));
        trace.At = at;
        return posterior;
    }

    /// <summary>Clamps an item to its known label (gold, or a reviewer's decision).</summary>
    /// <param name="itemId">The item.</param>
    /// <param name="label">The true label.</param>
    /// <param name="at">When.</param>
    public void SetGold(string itemId, string label, DateTimeOffset at)
    {
        Model.SetGold(itemId, label, Project.Capability, at);
        var trace = Trace(itemId);
        trace.Gold = Project.Schema.IndexOf(label);
        if (trace.Votes.Count > 0)
        {
            trace.At = at;
        }
    }

    /// <summary>The item's posterior, or null before any vote.</summary>
    /// <param name="itemId">The item.</param>
    /// <returns>The posterior in schema order.</returns>
    public double[]? Posterior(string itemId) => Model.Posterior(itemId);

    /// <summary>Labelers who voted on the item, with their label index, in vote order.</summary>
    /// <param name="itemId">The item.</param>
    /// <returns>The votes.</returns>
    public IReadOnlyList<(string LabelerId, int Label)> VotesOn(string itemId) =>
        _items.TryGetValue(itemId, out var trace) ? trace.Votes : [];

    /// <summary>The item's evidence as the store keeps it, or null when the model has never seen it.</summary>
    /// <param name="itemId">The item.</param>
    /// <returns>The evidence.</returns>
    public ItemEvidenceState? EvidenceOf(string itemId)
    {
        if (!_items.TryGetValue(itemId, out var trace))
        {
            return null;
        }

        var votes = trace.Votes.Select(v => new VoteEvidenceState(v.LabelerId, v.Label, trace.At)).ToArray();
        return new ItemEvidenceState(itemId, Project.Capability, trace.Gold, votes, Model.Posterior(itemId));
    }

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

    private ItemTrace Trace(string itemId)
    {
        if (!_items.TryGetValue(itemId, out var trace))
        {
            trace = new ItemTrace();
            _items[itemId] = trace;
        }

        return trace;
    }

    private sealed class ItemTrace
    {
        public List<(string LabelerId, int Label)> Votes { get; } = new(4);

        public int? Gold { get; set; }

        public DateTimeOffset? At { get; set; }
    }
}
