using System.Globalization;
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
/// listed, a rule that has not voted yet too: its rates are read from the checked items it stayed silent on, the model's
/// prior while there are none.
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

    /// <summary>Labelers per page when the caller gives no limit (fewer where <see cref="MaxPage"/> is lower).</summary>
    public const int DefaultLimit = 100;

    /// <summary>
    /// The most rates one page carries: labelers × labels² (each labeler's confusion or firing rates). With 100 labels a
    /// page of 1,000 labelers held the project's model — every vote of the project waiting — for seconds, and answered
    /// hundreds of megabytes.
    /// </summary>
    public const int MaxRatesPerPage = 100_000;

    /// <summary>The most labelers a page of a project with <paramref name="labels"/> labels holds: 1,000 up to 10 labels, 10 with 100.</summary>
    /// <param name="labels">The project's labels.</param>
    /// <returns>1 to <see cref="PageLimit.Max"/>.</returns>
    public static int MaxPage(int labels) => Math.Clamp(MaxRatesPerPage / Math.Max(1, labels * labels), 1, PageLimit.Max);

    /// <summary>One page of the project's labelers in id order.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="kind">Only labelers of this kind (<c>worker</c>, <c>rule</c>, <c>llm</c>, <c>model</c>); null for all.</param>
    /// <param name="after">The last labeler id of the previous page (its <see cref="LabelerReliabilityPage.Next"/>); null for the first.</param>
    /// <param name="limit">Labelers per page, 1 to <see cref="MaxPage"/> of the project's labels; null for
    /// <see cref="DefaultLimit"/> or that maximum, whichever is lower.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The page.</returns>
    /// <exception cref="InvalidRequestException">An unknown kind or a limit out of range.</exception>
    /// <exception cref="NotFoundException">No such project.</exception>
    /// <remarks>
    /// Holds the project's model (<see cref="ProjectModels.OpenAsync"/>; the project's votes wait) only to pick the page's
    /// ids — one pass over the model's labelers, keeping the first <paramref name="limit"/> after <paramref name="after"/> —
    /// and copy their figures; the answer is built after it is released.
    /// </remarks>
    public async Task<LabelerReliabilityPage> ListAsync(string projectId, string? kind, string? after, int? limit, CancellationToken cancellationToken)
    {
        if (limit is { } asked)
        {
            PageLimit.Checked(asked);
        }

        var only = ParseKind(kind);
        var project = await _projects.GetAsync(projectId, cancellationToken).ConfigureAwait(false)
            ?? throw NotFoundException.Project(projectId);
        var names = project.Schema.Names;
        var most = MaxPage(names.Count);
        var size = limit ?? Math.Min(DefaultLimit, most);
        if (size > most)
        {
            throw new InvalidRequestException("limit", string.Create(CultureInfo.InvariantCulture,
                $"limit is {size}; a project with {names.Count} labels lists at most {most} labelers a page (each with {names.Count}×{names.Count} rates), use 1 to {most}."));
        }

        var tracks = await _labelers.GetMachineTracksAsync(projectId, cancellationToken).ConfigureAwait(false);
        var capability = project.Capability;
        var prefix = only is { } o ? LabelerIds.PrefixOf(o) : null;
        double[] prior;
        double checkedItems;
        (string Id, int Votes, double Evidence, ConfusionMatrix Reading)[] rows;
        string? next = null;
        using (var session = await _models.OpenAsync(projectId, cancellationToken).ConfigureAwait(false))
        {
            var model = session.Model.Model;
            prior = model.ClassPriors(capability);
            checkedItems = model.CheckedItems(capability);

            // The first size + 1 ids after `after` in ordinal order (the last, if there, says a next page exists), kept in a
            // heap whose top is the largest: one pass, not a sort of every labeler of the project.
            var kept = new PriorityQueue<string, string>(size + 1, Descending);
            void Offer(string id)
            {
                if ((prefix is null || id.StartsWith(prefix, StringComparison.Ordinal)) && (after is null || string.CompareOrdinal(id, after) > 0))
                {
                    if (kept.Count <= size) kept.Enqueue(id, id);
                    else kept.EnqueueDequeue(id, id);
                }
            }

            foreach (var labeler in model.Labelers)
            {
                if (string.Equals(labeler.Capability, capability, StringComparison.Ordinal)) Offer(labeler.Labeler);
            }

            // Every rule of the project is listed, one that has not voted yet too.
            foreach (var rule in project.Rules)
            {
                var id = LabelerIds.Rule(rule.Id);
                if (model.Statistics(id, capability) is null) Offer(id);
            }

            var ids = kept.UnorderedItems.Select(x => x.Element).Order(StringComparer.Ordinal).ToList();
            if (ids.Count > size)
            {
                ids.RemoveAt(size);
                next = ids[^1];
            }

            rows = ids.Select(id =>
            {
                var stats = model.Statistics(id, capability);
                return (id, stats?.VoteCount ?? 0, stats?.Evidence ?? 0.0, model.Reading(id, capability));
            }).ToArray();
        }

        var rules = project.Rules.ToDictionary(r => LabelerIds.Rule(r.Id), r => r.Label, StringComparer.Ordinal);
        var page = rows.Select(r => View(r.Id, r.Votes, r.Evidence, r.Reading, project, names, prior, rules, tracks)).ToArray();
        return new LabelerReliabilityPage(
            projectId,
            names.Select((name, t) => (name, t)).ToDictionary(x => x.name, x => Math.Round(prior[x.t], 4), StringComparer.Ordinal),
            Math.Round(checkedItems, 3),
            page)
        {
            Next = next,
        };
    }

    private static readonly Comparer<string> Descending = Comparer<string>.Create((a, b) => string.CompareOrdinal(b, a));

    private LabelerReliabilityView View(
        string id,
        int votes,
        double evidence,
        ConfusionMatrix reading,
        Project project,
        IReadOnlyList<string> names,
        double[] prior,
        Dictionary<string, string> rules,
        IReadOnlyDictionary<string, MachineTrack> tracks)
    {
        var kind = LabelerIds.KindOf(id);
        var view = new LabelerReliabilityView(id, kind, votes, Math.Round(evidence, 3));
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

            view = view with { FiringRates = ConfusionRows.ByLabel(reading, names), Silence = silence, Precision = precision };
        }
        else
        {
            view = view with { Confusion = ConfusionRows.ByLabel(reading, names), Accuracy = Math.Round(reading.Accuracy(prior), 4) };
        }

        if (kind != LabelerKind.Worker)
        {
            var track = tracks.GetValueOrDefault(id) ?? new MachineTrack(id, 0, 0);
            view = view with { CheckedVotes = track.Checked, AgreedVotes = track.Agreed, Trusted = MachineTrust.IsTrusted(track, project.Routing) };
        }

        return view;
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
