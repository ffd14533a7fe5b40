using Labeling.Adapters.Local.Inbox;
using Labeling.Adapters.Local.Sqlite;
using Labeling.Application;
using Labeling.Application.Ports;
using Labeling.Application.Projects;
using Labeling.Application.WeakLabeling;
using Labeling.Application.Work;
using Labeling.Domain.Items;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Labeling.Adapters.Local.Hosting;

/// <summary>
/// Runs before the API listens: takes the data folder (<see cref="DataFolderLock"/>: one server per folder), creates
/// the database, the demo project on first start, re-queues items left in weak labeling (an upload whose request
/// died between saving items and queuing them), and queues the ingest of uploads stored but not ingested.
/// </summary>
public sealed partial class LocalStartup : IHostedService
{
    private readonly SqliteDatabase _database;
    private readonly IProjectStore _projects;
    private readonly IItemStore _items;
    private readonly WeakLabeler _weakLabeler;
    private readonly TimeProvider _time;
    private readonly LabelingOptions _options;
    private readonly LocalStorageOptions _storage;
    private readonly ILogger<LocalStartup> _logger;
    private readonly DataFolderLock _folderLock;
    private readonly FolderDocumentSource _source;
    private readonly InboxWatcher _inbox;
    private readonly Work.SqliteWorkQueue? _queue;
    private readonly ProjectDeletion? _deletion;

    /// <summary>Creates the startup step.</summary>
    public LocalStartup(
        SqliteDatabase database,
        DataFolderLock folderLock,
        IProjectStore projects,
        IItemStore items,
        WeakLabeler weakLabeler,
        TimeProvider time,
        IOptions<LabelingOptions> options,
        IOptions<LocalStorageOptions> storage,
        ILogger<LocalStartup> logger,
        FolderDocumentSource source,
        InboxWatcher inbox,
        Work.SqliteWorkQueue? queue = null,
        ProjectDeletion? deletion = null)
    {
        _queue = queue;
        _deletion = deletion;
        _source = source;
        _inbox = inbox;
        _database = database;
        _folderLock = folderLock;
        _projects = projects;
        _items = items;
        _weakLabeler = weakLabeler;
        _time = time;
        _options = options.Value;
        _storage = storage.Value;
        _logger = logger;
    }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _folderLock.Take();
        await _database.InitializeAsync(cancellationToken).ConfigureAwait(false);
        LogDataFolder(_logger, _storage.FullDataDirectory);

        // A deletion the last run did not finish (stopped or crashed mid-purge): its project is already hidden, and its
        // remaining data goes now, before any work of it could be queued again below.
        if (_deletion is not null)
        {
            try
            {
                await _deletion.FinishPendingAsync("the server at its start", cancellationToken).ConfigureAwait(false);
            }
            catch (AggregateException ex)
            {
                // Purges that failed (a file the server may not delete fails every time; the exception names the projects)
                // must not keep the server from starting: their projects stay hidden and refuse writes, and
                // PendingDeletionService tries them again every Deletion:RetryInterval.
                LogPendingDeletionsLeft(_logger, ex);
            }
        }

        if (_options.CreateDemoProject && await _projects.TryCreateAsync(DemoProject.Create(_time.GetUtcNow()), cancellationToken).ConfigureAwait(false))
        {
            LogDemoCreated(_logger, DemoProject.Id);
        }

        // Weak-label batches poisoned before this start: their items are still in weak labeling, so they are queued again
        // below, and the poisoned messages are set aside (kept with their error), no longer keeping /health degraded.
        if (_queue is not null && await _queue.SetAsidePoisonedAsync(WorkQueues.WeakLabel, cancellationToken).ConfigureAwait(false) is > 0 and var setAside)
        {
            LogPoisonedWeakLabelsSetAside(_logger, setAside);
        }

        foreach (var project in await _projects.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            string? after = null;
            while (true)
            {
                var waiting = await _items.ListAsync(project.Id, ItemState.WeakLabeling, after, 1000, cancellationToken).ConfigureAwait(false);
                if (waiting.Count == 0)
                {
                    break;
                }

                await _weakLabeler.EnqueueAsync(project.Id, waiting.Select(i => i.Id).ToArray(), $"recover:{project.Id}:{waiting[0].Id}", cancellationToken).ConfigureAwait(false);
                after = waiting[^1].Id;
            }
        }

        await QueueLeftUploadsAsync(cancellationToken).ConfigureAwait(false);
    }

    // An upload the server stored but had not ingested when it stopped (killed mid-ingest) is ingested now, as an inbox
    // file would be: its client got no answer, and its items may already be in the pool without a document record. One
    // whose ingest kept stopping the server (its message poisoned) is set aside with the reason instead.
    private async Task QueueLeftUploadsAsync(CancellationToken cancellationToken)
    {
        var queued = 0;
        foreach (var upload in _source.ListLeftUploads())
        {
            if (await _inbox.QueueIngestAsync(upload, $"upload:{upload.Location}", cancellationToken).ConfigureAwait(false))
            {
                queued++;
            }
        }

        if (queued > 0)
        {
            LogLeftUploadsQueued(_logger, queued);
        }
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Data folder: {DataDirectory}")]
    private static partial void LogDataFolder(ILogger logger, string dataDirectory);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "{Count} uploads were stored but not ingested when the server last stopped; they are ingested now")]
    private static partial void LogLeftUploadsQueued(ILogger logger, int count);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "{Count} poisoned weak-label message(s) set aside: their items, still in weak labeling, are queued again")]
    private static partial void LogPoisonedWeakLabelsSetAside(ILogger logger, int count);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Error, Message = "Deletions left unfinished by the last run could not all be finished at the start; the server starts, and the background purge tries them again")]
    private static partial void LogPendingDeletionsLeft(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Created the demo project '{ProjectId}'")]
    private static partial void LogDemoCreated(ILogger logger, string projectId);
}
