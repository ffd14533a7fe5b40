using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Application.Truth;
using Labeling.Domain.Labelers;
using Labeling.Domain.Projects;
using Labeling.Domain.Routing;
using Labeling.Domain.TruthInference;

namespace Labeling.Application.Labelers;

/// <summary>
/// What a project's truth model has learned of its labelers — workers, rules and later LLM prompts and models — for a
/// reviewer (<c>GET /api/projects/{id}/labelers</c>).
/// </summary>
/// <remarks>
/// Read from the live model, as it stands now, not from the snapshot a worker is shown of itself
/// (<see cref="ReliabilitySnapshot"/>): a reviewer may see what a worker may not. On Azure each instance keeps its own
/// model of the project, so two calls answered by two instances can differ slightly. Every rule of the project is
/// listed, a rule that has not voted yet with the model's prior.
/// </remarks>
public sealed class LabelerReliabilities
{
    private readonly IProjectStore _projects;
    private readonly ILabelerStore _labelers;
    private readonly ProjectModels _models;

    /// <summary>Creates the query.</summary>
    public LabelerReliabilities(IProjectStore projects, ILabelerStore labelers, ProjectModels models)
    {
        _projects = projects;
        _labelers = labelers;
        _models = models;
    }

    /// <summary>One page of the project's labelers in id order.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="kind">Only labelers of this kind (<c>worker</c>, <c>rule</c>, <c>llm</c>, <c>model</c>); null for all.</param>
    /// <param name="after">The last labeler id of the previous page; null for the first.</param>
    /// <param name="limit">Labelers per page, 1 to <see cref="PageLimit.Max"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The page.</returns>
    /// <exception cref="InvalidRequestException">An unknown kind or a limit out of range.</exception>
    /// <exception cref="NotFoundException">No such project.</exception>
    public async Task<LabelerReliabilityPage> ListAsync(string projectId, string? kind, string? after, int limit, CancellationToken cancellationToken)
    {
        PageLimit.Checked(limit);
        var only = ParseKind(kind);
        var project = await _projects.GetAsync(projectId, cancellationToken).ConfigureAwait(false)
            ?? throw NotFoundException.Project(projectId);
        var tracks = await _labelers.GetMachineTracksAsync(projectId, cancellationToken).ConfigureAwait(false);

        using var session = await _models.OpenAsync(projectId, cancellationToken).ConfigureAwait(false);
        var model = session.Model.Model;
        var capability = project.Capability;
        var names = project.Schema.Names;
        var prior = model.ClassPriors(capability);
        var known = model.Labelers.Where(l => l.Capability == capability).ToDictionary(l => l.Labeler, StringComparer.Ordinal);
        var ids = known.Keys.Concat(project.Rules.Select(r => LabelerIds.Rule(r.Id)))
            .Where(id => only is null || LabelerIds.KindOf(id) == only)
            .Where(id => after is null || string.CompareOrdinal(id, after) > 0)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Take(limit);
        var rules = project.Rules.ToDictionary(r => LabelerIds.Rule(r.Id), r => r.Label, StringComparer.Ordinal);
        var page = ids.Select(id => View(id, known.GetValueOrDefault(id), model, project, names, prior, rules, tracks)).ToArray();
        return new LabelerReliabilityPage(
            projectId,
            names.Select((name, t) => (name, t)).ToDictionary(x => x.name, x => Math.Round(prior[x.t], 4), StringComparer.Ordinal),
            Math.Round(model.CheckedItems(capability), 3),
            page);
    }

    private LabelerReliabilityView View(
        string id,
        LabelerStatistics? stats,
        OnlineDawidSkene model,
        Project project,
        IReadOnlyList<string> names,
        double[] prior,
        Dictionary<string, string> rules,
        IReadOnlyDictionary<string, MachineTrack> tracks)
    {
        var kind = LabelerIds.KindOf(id);
        var view = new LabelerReliabilityView(id, kind, stats?.VoteCount ?? 0, Math.Round(stats?.Evidence ?? 0.0, 3));
        var reading = model.Reading(id, project.Capability);
        var k = names.Count;
        if (SelectiveLabelers.Includes(id, _models.ModelOptions.SelectivePrefixes))
        {
            var silence = new Dictionary<string, double>(StringComparer.Ordinal);
            for (var t = 0; t < k; t++)
            {
                var fires = 0.0;
                for (var l = 0; l < k; l++) fires += reading[t, l];
                silence[names[t]] = Math.Round(Math.Max(0, 1 - fires), 4);
            }

            var precision = new Dictionary<string, double>(StringComparer.Ordinal);
            if (rules.TryGetValue(id, out var label) && project.Schema.IndexOf(label) is >= 0 and var voted)
            {
                var mass = 0.0;
                for (var t = 0; t < k; t++) mass += prior[t] * reading[t, voted];
                precision[label] = Math.Round(mass > 0 ? prior[voted] * reading[voted, voted] / mass : 0.0, 4);
            }

            view = view with { FiringRates = Rows(reading, names), Silence = silence, Precision = precision };
        }
        else
        {
            var accuracy = 0.0;
            for (var t = 0; t < k; t++) accuracy += prior[t] * reading[t, t];
            view = view with { Confusion = Rows(reading, names), Accuracy = Math.Round(accuracy, 4) };
        }

        if (kind != LabelerKind.Worker)
        {
            var track = tracks.GetValueOrDefault(id) ?? new MachineTrack(id, 0, 0);
            view = view with { CheckedVotes = track.Checked, AgreedVotes = track.Agreed, Trusted = MachineTrust.IsTrusted(track, project.Routing) };
        }

        return view;
    }

    private static Dictionary<string, IReadOnlyDictionary<string, double>> Rows(ConfusionMatrix matrix, IReadOnlyList<string> names)
    {
        var rows = new Dictionary<string, IReadOnlyDictionary<string, double>>(StringComparer.Ordinal);
        for (var t = 0; t < names.Count; t++)
        {
            var row = new Dictionary<string, double>(StringComparer.Ordinal);
            for (var l = 0; l < names.Count; l++) row[names[l]] = Math.Round(matrix[t, l], 4);
            rows[names[t]] = row;
        }

        return rows;
    }

    private static LabelerKind? ParseKind(string? kind)
    {
        if (string.IsNullOrEmpty(kind))
        {
            return null;
        }

        foreach (var value in Enum.GetValues<LabelerKind>())
        {
            if (string.Equals(value.ToString(), kind, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        throw new InvalidRequestException("kind", $"Unknown labeler kind '{InvalidRequestException.Echo(kind)}'; use worker, rule, llm or model.");
    }
}
