using System.Collections.Concurrent;
using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Domain.TruthInference;

namespace Labeling.Application.Truth;

/// <summary>
/// The online truth model of each project, loaded once from the store and then kept current by
/// every labeling step. Steps of one project run one at a time (the model has one writer); steps of
/// different projects run in parallel.
/// </summary>
public sealed class ProjectModels
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly IProjectStore _projects;
    private readonly ILabelerStore _labelers;
    private readonly TimeProvider _time;

    /// <summary>Creates the cache.</summary>
    /// <param name="projects">Where projects are read.</param>
    /// <param name="labelers">Where the model's state is read.</param>
    /// <param name="time">The clock the reliability snapshot of a loaded model is dated by (the system's when null).</param>
    public ProjectModels(IProjectStore projects, ILabelerStore labelers, TimeProvider? time = null)
    {
        _projects = projects;
        _labelers = labelers;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// Settings of every project's model. Default: the model's defaults with rules listed as selective
    /// labelers (<see cref="ProjectTruthModel.WithRulesSelective"/>).
    /// </summary>
    public OnlineDawidSkeneOptions ModelOptions
    {
        get => _modelOptions;
        init => _modelOptions = ProjectTruthModel.WithRulesSelective(value);
    }

    private readonly OnlineDawidSkeneOptions _modelOptions = ProjectTruthModel.WithRulesSelective(null);

    /// <summary>Waits for exclusive use of a project's model, loading it if needed.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The session; dispose it to let the next step run.</returns>
    /// <exception cref="NotFoundException">No such project.</exception>
    public async Task<ProjectSession> OpenAsync(string projectId, CancellationToken cancellationToken)
    {
        // Read on every step, from the store's memory (a point read once per refresh period on Azure): a project changed
        // since the model was loaded (PATCH /api/projects/{id}) is put in the model before the step runs. An id that names
        // no project throws here and leaves nothing behind: any caller can send ids, and the cache would keep each of them
        // for the life of the process.
        var read = await GetProjectAsync(projectId, cancellationToken).ConfigureAwait(false);
        var entry = _entries.GetOrAdd(projectId, _ => new Entry());
        await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The project was deleted while this step waited for its model (ForgetAsync).
            if (entry.Forgotten)
            {
                throw NotFoundException.Project(projectId);
            }

            // Inside the gate (a re-fit holding it changes the mark; a step that read it before would load under the old one,
            // and the next step again), and before a load: a re-fit that lands while the model loads leaves a mark this one
            // does not match. From the store's memory, a point read once per refresh period.
            var mark = _labelers is ISharedLabelerStore shared ? await shared.StatisticsMarkAsync(projectId, cancellationToken).ConfigureAwait(false) : null;
            // A re-fit on another instance replaced the statistics this model was loaded with: load what it stored (every step
            // of this model has written its own changes by now; they are in the store, on top of the re-fit's).
            if (entry.Model is null || !string.Equals(entry.Mark, mark, StringComparison.Ordinal))
            {
                var state = await _labelers.LoadTruthStateAsync(projectId, read.Schema.Names, cancellationToken).ConfigureAwait(false);
                var model = ProjectTruthModel.FromState(read, state, ModelOptions);
                model.Snapshot = ReliabilitySnapshot.Take(model.Model, read.Capability, _time.GetUtcNow());
                entry.Model = model;
                entry.Mark = mark;
            }
            else if (read.Version > entry.Model.Project.Version)
            {
                // Labels and task kind never change, so the model's classes and statistics stand; routing, names and
                // texts are the new version's from this step on.
                entry.Model.UseProject(read);
            }

            return new ProjectSession(entry, entry.Model);
        }
        catch
        {
            entry.Gate.Release();
            throw;
        }
    }

    /// <summary>
    /// Drops a deleted project's model: waits for the step holding it, if any, to end; steps waiting for it then stop with
    /// <see cref="NotFoundException"/>.
    /// </summary>
    /// <param name="projectId">The project.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task.</returns>
    public async Task ForgetAsync(string projectId, CancellationToken cancellationToken)
    {
        if (!_entries.TryGetValue(projectId, out var entry))
        {
            return;
        }

        await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            entry.Forgotten = true;
            entry.Model = null;
            _entries.TryRemove(new KeyValuePair<string, Entry>(projectId, entry));
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>How many projects have a model entry (loaded or being loaded).</summary>
    internal int Count => _entries.Count;

    private async Task<Domain.Projects.Project> GetProjectAsync(string projectId, CancellationToken cancellationToken) =>
        await _projects.GetAsync(projectId, cancellationToken).ConfigureAwait(false)
        ?? throw NotFoundException.Project(projectId);

    internal sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public ProjectTruthModel? Model { get; set; }

        // The statistics mark the model was loaded under (ISharedLabelerStore); null for a store that is not shared.
        public string? Mark { get; set; }

        // The project was deleted (ProjectModels.ForgetAsync): no step may use this entry any more.
        public bool Forgotten { get; set; }
    }
}
