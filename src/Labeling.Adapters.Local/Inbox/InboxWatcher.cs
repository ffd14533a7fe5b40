using System.Text.Json;
using Labeling.Application;
using Labeling.Application.Ports;
using Labeling.Application.Work;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Labeling.Adapters.Local.Inbox;

/// <summary>
/// Watches the inbox folder like a blob trigger: a <see cref="FileSystemWatcher"/> wakes it as files
/// arrive, and a periodic scan catches whatever the watcher missed (its buffer can overflow, and
/// files dropped while the host was down raise no event). Each settled file becomes one ingest
/// message; the queue's dedup key stops the same file being queued twice.
/// </summary>
public sealed partial class InboxWatcher : BackgroundService
{
    private readonly FolderDocumentSource _source;
    private readonly IWorkQueue _queue;
    private readonly LocalStorageOptions _options;
    private readonly ILogger<InboxWatcher> _logger;
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Creates the watcher.</summary>
    public InboxWatcher(FolderDocumentSource source, IWorkQueue queue, IOptions<LocalStorageOptions> options, ILogger<InboxWatcher> logger)
    {
        _source = source;
        _queue = queue;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>Scans the inbox once and queues every settled file.</summary>
    /// <param name="cancellationToken">Stops the scan.</param>
    /// <returns>How many files were queued (or were already queued).</returns>
    public async Task<int> ScanAsync(CancellationToken cancellationToken)
    {
        var found = 0;
        await foreach (var file in _source.ListInboxAsync(cancellationToken).ConfigureAwait(false))
        {
            var stamp = File.GetLastWriteTimeUtc(file.Location).Ticks;
            var payload = JsonSerializer.Serialize(file, LabelingJson.Options);
            await _queue.EnqueueAsync(WorkQueues.IngestDocument, payload, $"inbox:{file.Location}:{file.Length}:{stamp}", cancellationToken).ConfigureAwait(false);
            found++;
        }

        return found;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Directory.CreateDirectory(_source.InboxDirectory);
        using var watcher = new FileSystemWatcher(_source.InboxDirectory) { IncludeSubdirectories = true, EnableRaisingEvents = true };
        watcher.Created += (_, _) => Wake();
        watcher.Renamed += (_, _) => Wake();
        watcher.Changed += (_, _) => Wake();
        watcher.Error += (_, e) => LogWatcherError(_logger, e.GetException());
        LogWatching(_logger, _source.InboxDirectory);

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var queued = await ScanAsync(stoppingToken).ConfigureAwait(false);
                if (queued > 0)
                {
                    LogQueued(_logger, queued);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LogScanFailed(_logger, ex);
            }

            // A woken scan still waits the settle time, so a file being copied is read once, whole.
            if (await _wake.WaitAsync(_options.InboxScanInterval, stoppingToken).ConfigureAwait(false))
            {
                await Task.Delay(_options.InboxSettleTime, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another event woke the loop at the same moment; one wake is enough.
            }
        }
    }

    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Watching inbox {InboxDirectory}")]
    private static partial void LogWatching(ILogger logger, string inboxDirectory);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Information, Message = "Queued {FileCount} inbox file(s) for ingestion")]
    private static partial void LogQueued(ILogger logger, int fileCount);

    [LoggerMessage(EventId = 6103, Level = LogLevel.Warning, Message = "Inbox scan failed; retrying at the next interval")]
    private static partial void LogScanFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6104, Level = LogLevel.Warning, Message = "The inbox watcher reported an error; the periodic scan continues")]
    private static partial void LogWatcherError(ILogger logger, Exception exception);
}
