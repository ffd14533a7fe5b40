using System.Globalization;
using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Application.Truth;
using Microsoft.Extensions.Logging;

namespace Labeling.Application.Projects;

/// <summary>
/// Deletes projects (<c>DELETE /api/projects/{id}</c>). The project is first marked deleted — from then on it is missing
/// to every read, and the store refuses writes of it, so a vote or upload racing the delete gets 404 and nothing it writes
/// can bring the project back — and then its data is purged in batches of <see cref="BatchSize"/> items, each batch a short
/// write of its own, with progress logged. A deletion cut short (a crash, a store failure) leaves the project marked and
/// hidden; sending the <c>DELETE</c> again, or <see cref="FinishPendingAsync"/> (the local server at each start), finishes it.
/// </summary>
public sealed partial class ProjectDeletion
{
    /// <summary>Items deleted per write: on SQLite about 500 items with their votes and leases take a few milliseconds.</summary>
    public const int BatchSize = 500;

    /// <summary>How often a long purge logs its progress.</summary>
    internal static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);

    private readonly IProjectStore _projects;
    private readonly IProjectPurge _purge;
    private readonly ProjectModels _models;
    private readonly TimeProvider _time;
    private readonly ILogger<ProjectDeletion> _logger;

    /// <summary>Creates the service.</summary>
    /// <param name="projects">Where projects are read.</param>
    /// <param name="purge">Where they are marked and purged.</param>
    /// <param name="models">The projects' truth models in memory, dropped with the project.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Where deletions and their progress are logged.</param>
    public ProjectDeletion(IProjectStore projects, IProjectPurge purge, ProjectModels models, TimeProvider time, ILogger<ProjectDeletion> logger)
    {
        _projects = projects;
        _purge = purge;
        _models = models;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Deletes a project with its items, votes, documents' records, labelers' statistics, leases and queued work. Not cut
    /// short when the caller goes away once the project is marked: the purge runs to its end.
    /// </summary>
    /// <param name="projectId">The project.</param>
    /// <param name="acceptedVersions">The versions the project may be at (If-Match), or null for any; checked only while the
    /// project is not yet marked (a deletion already begun is finished whatever the version was).</param>
    /// <param name="caller">Who asks, for the log.</param>
    /// <param name="cancellationToken">Cancels the reads before the mark.</param>
    /// <returns>A task.</returns>
    /// <exception cref="NotFoundException">No such project, nor one whose deletion was cut short (a second delete of a project once
    /// purged is a 404).</exception>
    /// <exception cref="PreconditionFailedException">The project is at none of <paramref name="acceptedVersions"/>.</exception>
    public async Task DeleteAsync(string projectId, IReadOnlyCollection<int>? acceptedVersions, string caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(projectId);
        var live = await _projects.GetCurrentAsync(projectId, cancellationToken).ConfigureAwait(false);
        if (live is not null && acceptedVersions is not null && !acceptedVersions.Contains(live.Version))
        {
            throw VersionChanged(projectId, live.Version, acceptedVersions);
        }

        // The versions go with the mark too: a PATCH landing between the read above and the mark is not deleted in place of
        // the version the caller read.
        if (!await _purge.MarkDeletedAsync(projectId, live is null ? null : acceptedVersions, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false))
        {
            if (acceptedVersions is not null && await _projects.GetCurrentAsync(projectId, cancellationToken).ConfigureAwait(false) is { } changed)
            {
                throw VersionChanged(projectId, changed.Version, acceptedVersions);
            }

            throw NotFoundException.Project(projectId);
        }

        if (live is not null)
        {
            LogDeleted(_logger, projectId, caller);
        }
        else
        {
            LogResumed(_logger, projectId, caller);
        }

        // Marked: the project is gone for every caller, and what is left is the store's to clean up whatever the caller does.
        await PurgeAsync(projectId, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Finishes every deletion that was cut short (the local server at each start).</summary>
    /// <param name="cancellationToken">Stops between batches; what is left is finished the next time.</param>
    /// <returns>How many deletions were finished.</returns>
    public async Task<int> FinishPendingAsync(CancellationToken cancellationToken)
    {
        var pending = await _purge.ListDeletedAsync(cancellationToken).ConfigureAwait(false);
        foreach (var projectId in pending)
        {
            LogResumed(_logger, projectId, "the server at its start");
            await PurgeAsync(projectId, cancellationToken).ConfigureAwait(false);
        }

        return pending.Count;
    }

    private static PreconditionFailedException VersionChanged(string projectId, int version, IReadOnlyCollection<int> acceptedVersions)
    {
        var named = acceptedVersions.Count == 0 ? "no version (a weak entity tag never matches If-Match)" : string.Join(" or ", acceptedVersions.Order());
        return new PreconditionFailedException(
            string.Create(CultureInfo.InvariantCulture, $"Project '{projectId}' is at version {version}, not {named} (If-Match): it changed since you read it. Read it again (GET /api/projects/{projectId}) and delete what it is now."))
        {
            Extensions = { ["version"] = version },
        };
    }

    private async Task PurgeAsync(string projectId, CancellationToken cancellationToken)
    {
        // The model first: a step waiting for it stops with 404 instead of running on a model of a project being purged.
        await _models.ForgetAsync(projectId, cancellationToken).ConfigureAwait(false);
        var started = _time.GetTimestamp();
        var logged = started;
        long items = 0;
        do
        {
            int deleted;
            while ((deleted = await _purge.PurgeItemsAsync(projectId, BatchSize, cancellationToken).ConfigureAwait(false)) > 0)
            {
                items += deleted;
                if (_time.GetElapsedTime(logged) >= ProgressInterval)
                {
                    logged = _time.GetTimestamp();
                    LogProgress(_logger, projectId, items, (long)_time.GetElapsedTime(started).TotalMilliseconds);
                }
            }
        }
        while (!await _purge.FinishAsync(projectId, cancellationToken).ConfigureAwait(false));

        LogPurged(_logger, projectId, items, (long)_time.GetElapsedTime(started).TotalMilliseconds);
    }

    [LoggerMessage(EventId = 4402, Level = LogLevel.Warning, Message = "Project {ProjectId} deleted by {Caller}; its data is being purged")]
    private static partial void LogDeleted(ILogger logger, string projectId, string caller);

    [LoggerMessage(EventId = 4403, Level = LogLevel.Information, Message = "Project {ProjectId}: {Items} items purged so far ({Milliseconds} ms)")]
    private static partial void LogProgress(ILogger logger, string projectId, long items, long milliseconds);

    [LoggerMessage(EventId = 4404, Level = LogLevel.Information, Message = "Project {ProjectId} purged: {Items} items with their votes, leases, documents' records and labelers' statistics ({Milliseconds} ms)")]
    private static partial void LogPurged(ILogger logger, string projectId, long items, long milliseconds);

    [LoggerMessage(EventId = 4405, Level = LogLevel.Warning, Message = "Project {ProjectId}: a deletion cut short is finished now (by {Caller})")]
    private static partial void LogResumed(ILogger logger, string projectId, string caller);
}
