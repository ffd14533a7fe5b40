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

    // The port has no update: a project, once stored, never changes, so what was read stays true. Every task
    // request and vote reads its project; remembered, that is one point read per project per process.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Project> _read = new(StringComparer.Ordinal);

    /// <summary>Creates the store.</summary>
    /// <param name="db">The database.</param>
    public CosmosProjectStore(CosmosDatabase db) => _db = db;

    /// <inheritdoc />
    public async Task<Project?> GetAsync(string projectId, CancellationToken cancellationToken)
    {
        if (_read.TryGetValue(projectId, out var known))
        {
            return known;
        }

        var project = (await CosmosDatabase.ReadAsync<ProjectDoc>(_db.Projects, projectId, projectId, cancellationToken).ConfigureAwait(false)).Document?.Body;
        if (project is not null)
        {
            _read.TryAdd(projectId, project);
        }

        return project;
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
