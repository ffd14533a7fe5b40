using System.Globalization;
using System.Threading.Channels;
using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Application.Truth;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Labeling.Application.Projects;

/// <summary>
/// Deletes projects (<c>DELETE /api/projects/{id}</c>). The project is first marked deleted — from then on it is missing
/// to every read, and the store refuses writes of it, so a vote or upload racing the delete gets 404 and nothing it writes
/// can bring the project back — and then its data is purged in batches of <see cref="BatchSize"/> items, each batch a short
/// write of its own, with progress logged. A <c>DELETE</c> purges for <see cref="ProjectDeletionOptions.RequestTime"/> at
/// most and hands the rest over (<see cref="WaitForHandoverAsync"/>, <see cref="FinishPendingAsync"/>: the local server's
/// background service, the Functions app's timer). A deletion cut short (a crash, a store failure) leaves the project marked
/// and hidden; sending the <c>DELETE</c> again, or <see cref="FinishPendingAsync"/> (the local server at each start and
/// every <see cref="ProjectDeletionOptions.RetryInterval"/>, the Functions app every five minutes), finishes it.
/// </summary>
public sealed partial class ProjectDeletion
{
    /// <summary>Items deleted per write: on SQLite about 500 items with their votes and leases take a few milliseconds.</summary>
    public const int BatchSize = 500;

    /// <summary>How often a long purge logs its progress.</summary>
    internal static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);

    private readonly IProjectStore _projects;
    private readonly IProjectPurge _purge;
    private readonly IProjectFiles _files;
    private readonly ProjectModels _models;
    private readonly TimeProvider _time;
    private readonly ProjectDeletionOptions _options;
    private readonly ILogger<ProjectDeletion> _logger;

    // Purges running in this process, by project (a count: two DELETEs of one project may run at once). The background
    // finisher leaves these to their request instead of deleting the same batches beside it.
    private readonly Dictionary<string, int> _running = new(StringComparer.Ordinal);

    // A purge handed over by a DELETE whose time ran out: one signal wakes the background finisher, however many came.
    private readonly Channel<bool> _handovers = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Creates the service.</summary>
    /// <param name="projects">Where projects are read.</param>
    /// <param name="purge">Where they are marked and purged.</param>
    /// <param name="files">Their files, deleted once their items are gone.</param>
    /// <param name="models">The projects' truth models in memory, dropped with the project.</param>
    /// <param name="time">The clock.</param>
    /// <param name="options">How long a request purges.</param>
    /// <param name="logger">Where deletions and their progress are logged.</param>
    public ProjectDeletion(IProjectStore projects, IProjectPurge purge, IProjectFiles files, ProjectModels models, TimeProvider time, IOptions<ProjectDeletionOptions> options, ILogger<ProjectDeletion> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _projects = projects;
        _purge = purge;
        _files = files;
        _models = models;
        _time = time;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>
    /// Deletes a project with its items, votes, documents' records, labelers' statistics, leases, queued work and files. Not cut
    /// short when the caller goes away once the project is marked: the purge runs for
    /// <see cref="ProjectDeletionOptions.RequestTime"/>, or to its end if that comes first, and what is left is handed over
    /// to the background (<see cref="WaitForHandoverAsync"/>).
    /// </summary>
    /// <param name="projectId">The project.</param>
    /// <param name="acceptedVersions">The versions the project may be at (If-Match), or null for any; checked only while the
    /// project is not yet marked (a deletion already begun is finished whatever the version was).</param>
    /// <param name="caller">Who asks, for the log.</param>
    /// <param name="cancellationToken">Cancels the reads before the mark.</param>
    /// <returns>Whether the data is all gone, or the rest is left to the background.</returns>
    /// <exception cref="NotFoundException">No such project, nor one whose deletion was cut short (a second delete of a project once
    /// purged is a 404).</exception>
    /// <exception cref="PreconditionFailedException">The project is at none of <paramref name="acceptedVersions"/>.</exception>
    public async Task<ProjectDeletionOutcome> DeleteAsync(string projectId, IReadOnlyCollection<int>? acceptedVersions, string caller, CancellationToken cancellationToken)
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

        // Marked: the project is gone for every caller, and what is left is the store's to clean up whatever the caller does:
        // here for the request's time, then in the background.
        Enter(projectId);
        var started = _time.GetTimestamp();
        (bool Finished, long Items) purge;
        try
        {
            purge = await PurgeAsync(projectId, _options.RequestTime, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            Leave(projectId);
        }

        if (!purge.Finished)
        {
            LogHandedOver(_logger, projectId, purge.Items, (long)_time.GetElapsedTime(started).TotalMilliseconds);
            _handovers.Writer.TryWrite(true);
        }

        return new ProjectDeletionOutcome(projectId, purge.Finished, purge.Items);
    }

    /// <summary>
    /// Finishes every deletion that is not over and that no request of this process is purging: those cut short (a crash,
    /// a store failure) and those a <c>DELETE</c> handed over when its time ran out.
    /// </summary>
    /// <param name="by">Who finishes them, for the log ("the server at its start").</param>
    /// <param name="cancellationToken">Stops between batches; what is left is finished the next time.</param>
    /// <returns>How many deletions were finished.</returns>
    /// <exception cref="AggregateException">The purge of one or more projects failed (the message names them); the others
    /// were finished all the same.</exception>
    public async Task<int> FinishPendingAsync(string by, CancellationToken cancellationToken)
    {
        var pending = await _purge.ListDeletedAsync(cancellationToken).ConfigureAwait(false);
        var finished = 0;
        List<(string ProjectId, Exception Error)>? failures = null;
        foreach (var projectId in pending)
        {
            if (!TryEnterIdle(projectId))
            {
                continue;
            }

            try
            {
                LogResumed(_logger, projectId, by);
                await PurgeAsync(projectId, null, cancellationToken).ConfigureAwait(false);
                finished++;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // The list comes in the same order every run: a project whose purge keeps failing (a file the process may not
                // delete, a document the store refuses) must not hold back the projects after it. The run still fails.
                (failures ??= []).Add((projectId, ex));
            }
            finally
            {
                Leave(projectId);
            }
        }

        if (failures is not null)
        {
            throw new AggregateException(
                $"The purge of deleted project(s) {string.Join(", ", failures.Select(f => $"'{f.ProjectId}'"))} failed; they stay hidden and are tried again at the next run (any others were finished).",
                failures.Select(f => f.Error));
        }

        return finished;
    }

    /// <summary>
    /// Waits until a <c>DELETE</c> hands a purge over (its <see cref="ProjectDeletionOptions.RequestTime"/> ran out), or
    /// <paramref name="timeout"/> passes; the caller then runs <see cref="FinishPendingAsync"/>.
    /// </summary>
    /// <param name="timeout">The longest wait.</param>
    /// <param name="cancellationToken">Ends the wait (stopping).</param>
    /// <returns>A task.</returns>
    public async Task WaitForHandoverAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, _time);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, cancellationToken);
        try
        {
            await _handovers.Reader.ReadAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The timeout: time to look for deletions a failed purge left.
        }
    }

    private void Enter(string projectId)
    {
        lock (_running)
        {
            _running[projectId] = _running.GetValueOrDefault(projectId) + 1;
        }
    }

    private bool TryEnterIdle(string projectId)
    {
        lock (_running)
        {
            return _running.TryAdd(projectId, 1);
        }
    }

    private void Leave(string projectId)
    {
        lock (_running)
        {
            if (--_running[projectId] == 0)
            {
                _running.Remove(projectId);
            }
        }
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

    // Purges until the data is gone or, with a time limit, until it has passed (checked before each write): false then.
    private async Task<(bool Finished, long Items)> PurgeAsync(string projectId, TimeSpan? limit, CancellationToken cancellationToken)
    {
        // The model first: a step waiting for it stops with 404 instead of running on a model of a project being purged.
        await _models.ForgetAsync(projectId, cancellationToken).ConfigureAwait(false);
        var started = _time.GetTimestamp();
        var logged = started;
        long items = 0;
        var files = 0;
        bool OutOfTime() => limit is { } l && _time.GetElapsedTime(started) >= l;
        do
        {
            while (true)
            {
                if (OutOfTime())
                {
                    return (false, items);
                }

                var deleted = await _purge.PurgeItemsAsync(projectId, BatchSize, cancellationToken).ConfigureAwait(false);
                if (deleted == 0)
                {
                    break;
                }

                items += deleted;
                if (_time.GetElapsedTime(logged) >= ProgressInterval)
                {
                    logged = _time.GetTimestamp();
                    LogProgress(_logger, projectId, items, (long)_time.GetElapsedTime(started).TotalMilliseconds);
                }
            }

            // The files before the deletion ends: once it has ended nothing would come back for them. Many blobs take time too.
            if (OutOfTime())
            {
                return (false, items);
            }

            files += await _files.DeleteAsync(projectId, cancellationToken).ConfigureAwait(false);
        }
        while (!await _purge.FinishAsync(projectId, cancellationToken).ConfigureAwait(false));

        LogPurged(_logger, projectId, items, files, (long)_time.GetElapsedTime(started).TotalMilliseconds);
        return (true, items);
    }

    [LoggerMessage(EventId = 4402, Level = LogLevel.Warning, Message = "Project {ProjectId} deleted by {Caller}; its data is being purged")]
    private static partial void LogDeleted(ILogger logger, string projectId, string caller);

    [LoggerMessage(EventId = 4403, Level = LogLevel.Information, Message = "Project {ProjectId}: {Items} items purged so far ({Milliseconds} ms)")]
    private static partial void LogProgress(ILogger logger, string projectId, long items, long milliseconds);

    [LoggerMessage(EventId = 4404, Level = LogLevel.Information, Message = "Project {ProjectId} purged: {Items} items with their votes, leases, documents' records and labelers' statistics, and {Files} files ({Milliseconds} ms)")]
    private static partial void LogPurged(ILogger logger, string projectId, long items, int files, long milliseconds);

    [LoggerMessage(EventId = 4406, Level = LogLevel.Information, Message = "Project {ProjectId}: the DELETE purged {Items} items in {Milliseconds} ms, its time (Deletion:RequestTime); the rest is purged in the background")]
    private static partial void LogHandedOver(ILogger logger, string projectId, long items, long milliseconds);

    [LoggerMessage(EventId = 4405, Level = LogLevel.Information, Message = "Project {ProjectId}: a deletion not yet over is being finished (by {Caller})")]
    private static partial void LogResumed(ILogger logger, string projectId, string caller);
}
