using System.Globalization;
using Labeling.Adapters.Local.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Labeling.Adapters.Local.Hosting;

/// <summary>
/// Healthy when the server can write: the SQLite database takes a write (made and rolled back, so it leaves nothing), and
/// the data folder's disk has at least <see cref="LocalStorageOptions.MinFreeDiskBytes"/> free. A database that only answers
/// reads (the file or its disk made read-only) or a disk about to fill is unhealthy. <c>/health</c> answers only the status
/// (it takes no token); the reason is logged when the status changes (events 1007 and 1008), not at every poll.
/// </summary>
public sealed partial class SqliteHealthCheck : IHealthCheck
{
    private readonly SqliteDatabase _database;
    private readonly LocalStorageOptions _storage;
    private readonly ILogger<SqliteHealthCheck> _logger;
    private int _unhealthy;

    /// <summary>Creates the check.</summary>
    /// <param name="database">The database.</param>
    /// <param name="storage">Where the data folder is and how much free space it needs.</param>
    /// <param name="logger">Where a change of status is logged.</param>
    public SqliteHealthCheck(SqliteDatabase database, IOptions<LocalStorageOptions> storage, ILogger<SqliteHealthCheck> logger)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _database = database;
        _storage = storage.Value;
        _logger = logger;
    }

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var result = await CheckAsync(cancellationToken).ConfigureAwait(false);
        var unhealthy = result.Status == HealthStatus.Unhealthy ? 1 : 0;
        if (Interlocked.Exchange(ref _unhealthy, unhealthy) != unhealthy)
        {
            if (unhealthy == 1)
            {
                LogUnhealthy(_logger, result.Description ?? "unknown");
            }
            else
            {
                LogHealthyAgain(_logger);
            }
        }

        return result;
    }

    private async Task<HealthCheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        if (FreeBytes() is { } free && free < _storage.MinFreeDiskBytes)
        {
            return HealthCheckResult.Unhealthy(
                string.Create(CultureInfo.InvariantCulture, $"The data folder's disk has {free / (1024 * 1024):N0} MB free, under Storage:MinFreeDiskBytes ({_storage.MinFreeDiskBytes / (1024 * 1024):N0} MB); writes will fail when it fills."));
        }

        try
        {
            await _database.ProbeWriteAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy("SQLite takes writes.");
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            return HealthCheckResult.Unhealthy($"SQLite does not take writes: {ex.Message}", ex);
        }
    }

    private long? FreeBytes()
    {
        if (_storage.MinFreeDiskBytes == 0)
        {
            return null;
        }

        try
        {
            return new DriveInfo(_storage.FullDataDirectory).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // The disk cannot be asked; the database's own answer decides.
            return null;
        }
    }

    [LoggerMessage(EventId = 1007, Level = LogLevel.Error, Message = "Health: unhealthy. {Reason}")]
    private static partial void LogUnhealthy(ILogger logger, string reason);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Information, Message = "Health: healthy again.")]
    private static partial void LogHealthyAgain(ILogger logger);
}
