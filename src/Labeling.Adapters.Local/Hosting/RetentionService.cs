using System.Globalization;
using Labeling.Adapters.Local.Sqlite;
using Labeling.Application.Events;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Labeling.Adapters.Local.Hosting;

/// <summary>
/// Prunes what the local server no longer needs, every <see cref="RetentionOptions.Interval"/>: used leases, stored answers
/// of idempotent requests, events every destination has (<see cref="SqliteRetention"/>) and all but the newest drift
/// reports of each project. Ingested and refused files, the events file and the leases that remember skips are not touched.
/// </summary>
public sealed partial class RetentionService : BackgroundService
{
    /// <summary>The wait before the first pass, unless the interval is shorter.</summary>
    internal static readonly TimeSpan FirstPassDelay = TimeSpan.FromMinutes(1);

    private readonly SqliteRetention _retention;
    private readonly EventDispatcher _dispatcher;
    private readonly TimeProvider _time;
    private readonly RetentionOptions _options;
    private readonly LocalStorageOptions _storage;
    private readonly ILogger<RetentionService> _logger;

    /// <summary>Creates the service.</summary>
    public RetentionService(
        SqliteRetention retention,
        EventDispatcher dispatcher,
        TimeProvider time,
        IOptions<RetentionOptions> options,
        IOptions<LocalStorageOptions> storage,
        ILogger<RetentionService> logger)
    {
        _retention = retention;
        _dispatcher = dispatcher;
        _time = time;
        _options = options.Value;
        _storage = storage.Value;
        _logger = logger;
    }

    /// <summary>One pass: prunes each kind of record whose period is not 0.</summary>
    /// <param name="cancellationToken">Stops the pass between batches.</param>
    /// <returns>What was deleted.</returns>
    public async Task<RetentionPass> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var leases = _options.UsedLeases > TimeSpan.Zero
            ? await _retention.PruneUsedLeasesAsync(now - _options.UsedLeases, cancellationToken).ConfigureAwait(false)
            : 0;
        var idempotency = _options.IdempotencyKeys > TimeSpan.Zero
            ? await _retention.PruneIdempotencyRecordsAsync(now - _options.IdempotencyKeys, cancellationToken).ConfigureAwait(false)
            : 0;
        var events = _options.DeliveredEvents > TimeSpan.Zero
            ? await _retention.PruneDeliveredEventsAsync(now - _options.DeliveredEvents, [.. _dispatcher.Sinks.Select(s => s.Name)], cancellationToken).ConfigureAwait(false)
            : 0;
        var reports = _options.DriftReportsPerProject > 0 ? PruneDriftReports() : 0;
        return new RetentionPass(leases, idempotency, events, reports);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.Interval <= TimeSpan.Zero)
        {
            LogOff(_logger);
            return;
        }

        var failure = new LastingFailure();
        try
        {
            await Task.Delay(_options.Interval < FirstPassDelay ? _options.Interval : FirstPassDelay, _time, stoppingToken).ConfigureAwait(false);
            do
            {
                try
                {
                    var pass = await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                    if (failure.Ended())
                    {
                        LogRecovered(_logger);
                    }

                    if (pass.Total > 0)
                    {
                        LogPruned(_logger, pass.UsedLeases, pass.IdempotencyRecords, pass.DeliveredEvents, pass.DriftReports);
                    }
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // The next pass tries again; a failure that lasts (the disk full, the database locked) is logged once.
                    if (failure.IsNew(ex))
                    {
                        LogFailed(_logger, ex);
                    }
                }

                await Task.Delay(_options.Interval, _time, stoppingToken).ConfigureAwait(false);
            }
            while (!stoppingToken.IsCancellationRequested);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the wait for the next pass ends here, as in the other background services.
        }
    }

    /// <summary>Deletes all but the newest <see cref="RetentionOptions.DriftReportsPerProject"/> reports in each project's folder.</summary>
    private int PruneDriftReports()
    {
        var root = _storage.PathOf("reports", "drift");
        if (!Directory.Exists(root))
        {
            return 0;
        }

        var deleted = 0;
        foreach (var project in Directory.EnumerateDirectories(root))
        {
            // Names are the re-fit's time, yyyyMMddTHHmmssZ, then -2, -3 … for more in the same second: in that order by name.
            var reports = Directory.EnumerateFiles(project, "*.json")
                .Where(path => path.EndsWith(".json", StringComparison.Ordinal))
                .OrderByDescending(path => Path.GetFileNameWithoutExtension(path), StringComparer.Ordinal)
                .Skip(_options.DriftReportsPerProject);
            foreach (var report in reports)
            {
                try
                {
                    File.Delete(report);
                    deleted++;
                }
                catch (IOException ex)
                {
                    LogReportNotDeleted(_logger, report, ex.Message);
                }
                catch (UnauthorizedAccessException ex)
                {
                    LogReportNotDeleted(_logger, report, ex.Message);
                }
            }
        }

        return deleted;
    }

    [LoggerMessage(EventId = 5301, Level = LogLevel.Information, Message = "Pruned {UsedLeases} used leases, {IdempotencyRecords} idempotency records, {DeliveredEvents} delivered events and {DriftReports} drift reports (Retention settings)")]
    private static partial void LogPruned(ILogger logger, int usedLeases, int idempotencyRecords, int deliveredEvents, int driftReports);

    [LoggerMessage(EventId = 5302, Level = LogLevel.Error, Message = "A pruning pass failed; the next runs on schedule (the same failure is not logged again; event 5303 says when it works again)")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5303, Level = LogLevel.Information, Message = "Pruning works again")]
    private static partial void LogRecovered(ILogger logger);

    [LoggerMessage(EventId = 5304, Level = LogLevel.Information, Message = "Pruning is off (Retention:Interval is 00:00:00)")]
    private static partial void LogOff(ILogger logger);

    [LoggerMessage(EventId = 5305, Level = LogLevel.Warning, Message = "Drift report {Path} could not be deleted: {Reason}")]
    private static partial void LogReportNotDeleted(ILogger logger, string path, string reason);
}

/// <summary>What one pruning pass deleted.</summary>
/// <param name="UsedLeases">Leases used by a vote.</param>
/// <param name="IdempotencyRecords">Stored answers of idempotent requests.</param>
/// <param name="DeliveredEvents">Events every destination had, with their delivery rows.</param>
/// <param name="DriftReports">Drift report files.</param>
public sealed record RetentionPass(int UsedLeases, int IdempotencyRecords, int DeliveredEvents, int DriftReports)
{
    /// <summary>Everything deleted.</summary>
    public int Total => UsedLeases + IdempotencyRecords + DeliveredEvents + DriftReports;

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{UsedLeases} leases, {IdempotencyRecords} idempotency records, {DeliveredEvents} events, {DriftReports} reports");
}
