using System.Globalization;
using System.Text.Json;
using Labeling.Adapters.Local.Hosting;
using Labeling.Adapters.Local.Work;
using Labeling.Application;
using Labeling.Application.Documents;
using Labeling.Application.Ingestion;
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
/// <remarks>
/// A file whose ingest message was poisoned — received <c>WorkQueue:MaxAttempts</c> times without completing,
/// as when reading it crashes the process each time — is quarantined by the next scan with a reason saying so,
/// instead of being queued again: the dedup key holds only while a message waits, so the scan would otherwise
/// hand the same file to the pump (and crash the server) after every restart, for ever.
/// </remarks>
public sealed partial class InboxWatcher : BackgroundService
{
    private readonly FolderDocumentSource _source;
    private readonly SqliteWorkQueue _queue;
    private readonly IProjectStore _projects;
    private readonly DocumentIngestion _ingestion;
    private readonly LocalStorageOptions _options;
    private readonly ILogger<InboxWatcher> _logger;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private const int MaxReportedStrays = 10_000;
    private readonly HashSet<string> _reportedStrays = new(StringComparer.Ordinal);

    /// <summary>Creates the watcher.</summary>
    public InboxWatcher(
        FolderDocumentSource source,
        SqliteWorkQueue queue,
        IProjectStore projects,
        DocumentIngestion ingestion,
        IOptions<LocalStorageOptions> options,
        ILogger<InboxWatcher> logger)
    {
        _source = source;
        _queue = queue;
        _projects = projects;
        _ingestion = ingestion;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>Scans the inbox once and queues every settled file.</summary>
    /// <param name="cancellationToken">Stops the scan.</param>
    /// <returns>How many files were queued (or were already queued); files quarantined instead are not counted.</returns>
    public async Task<int> ScanAsync(CancellationToken cancellationToken)
    {
        await PrepareFoldersAsync(cancellationToken).ConfigureAwait(false);
        var found = 0;
        await foreach (var file in _source.ListInboxAsync(ReportSkipped, cancellationToken).ConfigureAwait(false))
        {
            var stamp = File.GetLastWriteTimeUtc(file.Location).Ticks;
            if (await QueueIngestAsync(file, string.Create(CultureInfo.InvariantCulture, $"inbox:{file.Location}:{file.Length}:{stamp}"), cancellationToken).ConfigureAwait(false))
            {
                found++;
            }
        }

        return found;
    }

    /// <summary>
    /// Queues a stored file for ingest under its de-duplication key, or, when an earlier message with that key was
    /// poisoned (its ingest kept failing or stopping the server), sets the file aside with the reason instead.
    /// </summary>
    /// <param name="file">The file: in the inbox, or an upload left by a server that stopped.</param>
    /// <param name="key">The message's de-duplication key.</param>
    /// <param name="cancellationToken">Cancels the step.</param>
    /// <returns>Whether the file was queued.</returns>
    internal async Task<bool> QueueIngestAsync(StoredDocument file, string key, CancellationToken cancellationToken)
    {
        if (await _queue.FindPoisonedAsync(key, cancellationToken).ConfigureAwait(false) is { } poisoned)
        {
            if (await QuarantinePoisonedAsync(file, poisoned.Attempts, poisoned.Error, cancellationToken).ConfigureAwait(false))
            {
                // Set aside (or archived as a copy of ingested bytes): the reason tells whoever reads it to put the file back once
                // the cause is fixed, and a file moved back keeps its size and time, so its key; it is read again then, not set
                // aside at once.
                await _queue.ReleasePoisonedKeyAsync(key, cancellationToken).ConfigureAwait(false);
            }

            return false;
        }

        await _queue.EnqueueAsync(WorkQueues.IngestDocument, JsonSerializer.Serialize(file, LabelingJson.Options), key, file.ProjectId, cancellationToken).ConfigureAwait(false);
        return true;
    }

    // Every project has its folder (inbox/{projectId}/, where files are dropped), so nobody has to create it first; a
    // file dropped in the inbox itself names no project, and is reported once instead of ignored without a word.
    private async Task PrepareFoldersAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_source.InboxDirectory);
        foreach (var project in await _projects.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            Directory.CreateDirectory(Path.Combine(_source.InboxDirectory, project.Id));
        }

        foreach (var stray in Directory.EnumerateFiles(_source.InboxDirectory))
        {
            if (Remember(stray))
            {
                // Cleaned like every document name: a file name may hold line breaks that would forge log lines.
                LogStrayFile(_logger, DocumentFileName.Clean(Path.GetFileName(stray)), _source.InboxDirectory);
            }
        }
    }

    // A link or a pipe is never read (FolderDocumentSource says why); whoever made it hears so once, not at every scan.
    private void ReportSkipped(string path, string kind)
    {
        if (!Remember(path))
        {
            return;
        }

        if (kind == FolderDocumentSource.SubfolderKind)
        {
            LogSubfolder(_logger, DocumentFileName.Clean(path), DocumentFileName.Clean(Path.GetDirectoryName(path) ?? _source.InboxDirectory));
        }
        else
        {
            LogSkipped(_logger, DocumentFileName.Clean(path), kind);
        }
    }

    // Each stray is reported once; the set is bounded (whoever can write the inbox could make it grow without end), and
    // once full it starts over, so a stray still there is reported once more.
    private bool Remember(string path)
    {
        if (_reportedStrays.Count >= MaxReportedStrays)
        {
            _reportedStrays.Clear();
        }

        return _reportedStrays.Add(path);
    }

    // Why a file whose ingest message was poisoned is set aside, from the queue's attempts and last error.
    private static string PoisonedReason(int attempts, string error) =>
        error == SqliteWorkQueue.ReceivedWithoutCompleting
            ? string.Create(CultureInfo.InvariantCulture, $"Reading the file was started {attempts} times and never finished: the server stopped each time (it crashed or was killed) ")
              + "while ingesting it. It was set aside so that it cannot stop the server again. Check the file; if it is genuine, report it with the server log."
            : string.Create(CultureInfo.InvariantCulture, $"Ingesting the file failed {attempts} times (WorkQueue:MaxAttempts); it was set aside. The server log has the errors (event 7101). ")
              + "Once the cause is fixed, put the file back in the inbox.";

    // The file is set aside as the ingest step quarantines one it cannot parse, without parsing it: the record
    // (so the document list shows the reason), the file moved to quarantine next to its reason, and a log line. Bytes
    // recorded as ingested meanwhile (the ingest failed each time after its record) leave as a copy, to processed/: the
    // file is gone from the inbox either way, and its poisoned message must not keep /health degraded for ever.
    private async Task<bool> QuarantinePoisonedAsync(StoredDocument file, int attempts, string error, CancellationToken cancellationToken)
    {
        if (await _ingestion.SetAsideAsync(file, PoisonedReason(attempts, error), cancellationToken).ConfigureAwait(false) is not { } document)
        {
            return false;
        }

        if (document.Status == Domain.Documents.DocumentStatus.Quarantined)
        {
            LogPoisonedQuarantined(_logger, file.ProjectId, document.Id, file.FileName, attempts, error);
        }

        return true;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var watcher = Watch();
        var failure = new LastingFailure();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    var queued = await ScanAsync(stoppingToken).ConfigureAwait(false);
                    if (queued > 0)
                    {
                        LogQueued(_logger, queued);
                    }

                    if (failure.Ended())
                    {
                        LogScanRecovered(_logger);
                    }
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // Any failed scan (a folder it may not read, the database busy or failing) is retried at the next
                    // interval: an exception let out of this loop would stop the whole server (the host's default). A
                    // failure that lasts is logged once, not at every interval, and its end is logged too.
                    if (failure.IsNew(ex))
                    {
                        LogScanFailed(_logger, ex);
                    }
                }

                // A woken scan still waits the settle time, so a file being copied is read once, whole.
                if (await _wake.WaitAsync(_options.InboxScanInterval, stoppingToken).ConfigureAwait(false))
                {
                    await Task.Delay(_options.InboxSettleTime, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the cancelled wait ends the loop. Let out, it was logged as a failed background service when a host that could not start (its port taken) stopped at once.
        }
    }

    // The watcher only makes new files arrive sooner; where it cannot be had (the system's inotify limits reached, the
    // inbox not a folder) the periodic scan alone still finds every file, so the server keeps running and says so.
    private FileSystemWatcher? Watch()
    {
        try
        {
            Directory.CreateDirectory(_source.InboxDirectory);
            var watcher = new FileSystemWatcher(_source.InboxDirectory) { IncludeSubdirectories = true };
            watcher.Created += (_, _) => Wake();
            watcher.Renamed += (_, _) => Wake();
            watcher.Changed += (_, _) => Wake();
            watcher.Error += (_, e) => LogWatcherError(_logger, e.GetException());
            try
            {
                watcher.EnableRaisingEvents = true;
            }
            catch
            {
                watcher.Dispose();
                throw;
            }

            LogWatching(_logger, _source.InboxDirectory);
            return watcher;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or PlatformNotSupportedException)
        {
            LogWatchUnavailable(_logger, _source.InboxDirectory, _options.InboxScanInterval, ex);
            return null;
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

    [LoggerMessage(EventId = 6103, Level = LogLevel.Warning, Message = "Inbox scan failed; retrying at every interval (the same failure is not logged again; event 6110 says when a scan works again)")]
    private static partial void LogScanFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6109, Level = LogLevel.Warning, Message = "Cannot watch inbox {InboxDirectory} for new files; it is scanned every {ScanInterval} instead (Storage:InboxScanInterval)")]
    private static partial void LogWatchUnavailable(ILogger logger, string inboxDirectory, TimeSpan scanInterval, Exception exception);

    [LoggerMessage(EventId = 6110, Level = LogLevel.Information, Message = "Inbox scan works again")]
    private static partial void LogScanRecovered(ILogger logger);

    [LoggerMessage(EventId = 6105, Level = LogLevel.Error, Message = "Quarantined inbox file {FileName} of project {ProjectId} as document {DocumentId}: its ingest message was poisoned after {Attempts} receives ({LastError})")]
    private static partial void LogPoisonedQuarantined(ILogger logger, string projectId, string documentId, string fileName, int attempts, string lastError);

    [LoggerMessage(EventId = 6106, Level = LogLevel.Warning, Message = "Inbox file {FileName} is not in a project's folder and is left alone: move it to {Inbox}/PROJECT_ID/")]
    private static partial void LogStrayFile(ILogger logger, string fileName, string inbox);

    [LoggerMessage(EventId = 6108, Level = LogLevel.Warning, Message = "Inbox entry {Path} is {Kind} and is left alone: the inbox reads only regular files in real project folders (a link could hand the server any file it can read, a pipe would stop it reading). Copy the file in instead")]
    private static partial void LogSkipped(ILogger logger, string path, string kind);

    [LoggerMessage(EventId = 6112, Level = LogLevel.Warning, Message = "Inbox folder {Path} is inside a project folder and is not read: the inbox reads only the files directly in {ProjectFolder}; move them there")]
    private static partial void LogSubfolder(ILogger logger, string path, string projectFolder);

    [LoggerMessage(EventId = 6104, Level = LogLevel.Warning, Message = "The inbox watcher reported an error; the periodic scan continues")]
    private static partial void LogWatcherError(ILogger logger, Exception exception);
}
