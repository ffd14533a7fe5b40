using System.Net;
using Labeling.Application.Ports;
using Labeling.Domain.Projects;
using Microsoft.Azure.Cosmos;
using static Labeling.Adapters.Azure.Cosmos.CosmosDocuments;

namespace Labeling.Adapters.Azure.Cosmos;

/// <summary>Projects in the <c>projects</c> container (one document per project), listed through a small registry partition in <c>index</c>.</summary>
public sealed class CosmosProjectStore : IProjectStore
{
    private readonly CosmosDatabase _db;
    private readonly TimeProvider _time;
    private readonly TimeSpan _refresh;

    // Every task request and vote reads its project: remembered, that is one point read per project per process and
    // refresh period. A change through another instance reaches this one when its copy is older than the period; the
    // highest version read wins, so a slow read does not put an older version back.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (Project Project, DateTimeOffset ReadAt)> _read = new(StringComparer.Ordinal);

    // Projects this instance knows are deleted (marked here, or read marked). An id is never used again, so the knowledge
    // holds for good: a read that began before the mark and ends after it does not put the project back in memory.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _deleted = new(StringComparer.Ordinal);

    /// <summary>Creates the store.</summary>
    /// <param name="db">The database.</param>
    /// <param name="options">The refresh period (<see cref="CosmosOptions.ProjectRefresh"/>).</param>
    /// <param name="time">The clock of the refresh period (the system's when null).</param>
    public CosmosProjectStore(CosmosDatabase db, CosmosOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _db = db;
        _refresh = options.ProjectRefresh;
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public async Task<Project?> GetAsync(string projectId, CancellationToken cancellationToken)
    {
        if (_deleted.ContainsKey(projectId))
        {
            return null;
        }

        if (_read.TryGetValue(projectId, out var known) && _time.GetUtcNow() - known.ReadAt < _refresh)
        {
            return known.Project;
        }

        return await GetCurrentAsync(projectId, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<Project?> GetCurrentAsync(string projectId, CancellationToken cancellationToken)
    {
        var stored = (await CosmosDatabase.ReadAsync<ProjectDoc>(_db.Projects, projectId, projectId, cancellationToken).ConfigureAwait(false)).Document;
        if (stored is { DeletedAt: not null })
        {
            Forget(projectId);
            return null;
        }

        return stored?.Body is { } project ? Remember(project) : null;
    }

    /// <inheritdoc />
    public async Task<bool> TryReplaceAsync(Project replacement, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(replacement);
        var (stored, etag) = await CosmosDatabase.ReadAsync<ProjectDoc>(_db.Projects, replacement.Id, replacement.Id, cancellationToken).ConfigureAwait(false);
        if (stored is not { Body: { } current, DeletedAt: null } || current.Version != replacement.Version - 1)
        {
            return false;
        }

        try
        {
            await _db.Projects.ReplaceItemAsync(
                new ProjectDoc(replacement.Id, replacement), replacement.Id, new PartitionKey(replacement.Id),
                new ItemRequestOptions { IfMatchEtag = etag, EnableContentResponseOnWrite = false }, cancellationToken).ConfigureAwait(false);
        }
        catch (CosmosException ex) when (ex.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
        {
            // Another writer replaced it between the read and this write.
            return false;
        }

        Remember(replacement);
        return true;
    }

    /// <summary>
/// Drops a project from this instance's memory for good (it was deleted; its id is never used again); other instances
/// drop theirs within <see cref="CosmosOptions.ProjectRefresh"/>.
/// </summary>
    /// <param name="projectId">The project.</param>
    internal void Forget(string projectId)
    {
        _deleted.TryAdd(projectId, 0);
        _read.TryRemove(projectId, out _);
    }

    private Project? Remember(Project project)
    {
        var now = _time.GetUtcNow();
        var known = _read.AddOrUpdate(
            project.Id,
            (project, now),
            (_, known) => known.Project.Version > project.Version ? known with { ReadAt = now } : (project, now)).Project;

        // Forgotten while this read was under way (the mark landed after the document was read).
        if (_deleted.ContainsKey(project.Id))
        {
            _read.TryRemove(project.Id, out _);
            return null;
        }

        return known;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Project>> ListAsync(CancellationToken cancellationToken)
    {
        var entries = await CosmosDatabase.QueryPartitionAsync<ProjectEntry>(_db.Index, "*", "partition", ProjectsPartition, cancellationToken).ConfigureAwait(false);
        var projects = new List<Project>(entries.Count);
        foreach (var entry in entries.OrderBy(e => e.Id, StringComparer.Ordinal))
        {
            if (await GetAsync(entry.Id, cancellationToken).ConfigureAwait(false) is { } project)
            {
                projects.Add(project);
            }
        }

        return projects;
    }

    /// <inheritdoc />
    public async Task<bool> TryCreateAsync(Project project, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(project);
        var created = true;
        try
        {
            await _db.Projects.CreateItemAsync(new ProjectDoc(project.Id, project), new PartitionKey(project.Id), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            created = false;
        }

        // Written after the project (and again by a retry), so the registry never names a missing project for long.
        await _db.Index.UpsertItemAsync(new ProjectEntry(project.Id, ProjectsPartition), new PartitionKey(ProjectsPartition), cancellationToken: cancellationToken).ConfigureAwait(false);
        return created;
    }
}
