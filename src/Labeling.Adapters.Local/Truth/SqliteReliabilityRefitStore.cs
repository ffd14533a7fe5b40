using System.Globalization;
using Labeling.Adapters.Local.Sqlite;
using Labeling.Application;
using Labeling.Application.Ports;
using Labeling.Application.Truth;
using Labeling.Domain.TruthInference;
using Microsoft.Extensions.Options;

namespace Labeling.Adapters.Local.Truth;

/// <summary>
/// Writes a re-fit locally: the labelers' statistics replace the stored ones in one SQLite transaction, queued
/// behind the votes already being saved, and the drift report goes to
/// <c>{data}/reports/drift/{projectId}/{yyyyMMddTHHmmssZ}.json</c> (<c>…Z-2.json</c> and on for more in the same second).
/// </summary>
public sealed class SqliteReliabilityRefitStore : IReliabilityRefitStore
{
    private static readonly SemaphoreSlim NameGate = new(1, 1);

    private readonly SqliteDatabase _database;
    private readonly LocalStorageOptions _storage;

    /// <summary>Creates the store.</summary>
    /// <param name="database">The database.</param>
    /// <param name="storage">Where the data folder is.</param>
    public SqliteReliabilityRefitStore(SqliteDatabase database, IOptions<LocalStorageOptions> storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _database = database;
        _storage = storage.Value;
    }

    /// <summary>The report's path under the data folder.</summary>
    /// <param name="report">The report.</param>
    /// <returns><c>reports/drift/{projectId}/{yyyyMMddTHHmmssZ}.json</c>.</returns>
    public static string RelativePathFor(DriftReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return Path.Combine("reports", "drift", report.ProjectId, report.FittedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + ".json");
    }

    /// <inheritdoc />
    public Task ReplaceStatisticsAsync(string projectId, IReadOnlyList<LabelerStatisticsState> statistics, ClassCountsState classCounts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(classCounts);
        // The same statement a vote's commit saves statistics with; the time is read only to complete a lease, which this commit has none of.
        var writer = new SqliteCommitWriter(new ItemCommit(projectId) { Statistics = statistics }, DateTimeOffset.UtcNow);
        var correction = SqliteValues.Json(classCounts.Offset);
        return _database.WriteAsync(
            write =>
            {
                // A re-fit that read the project before it was marked deleted leaves no statistics behind.
                _database.ThrowIfDeleted(projectId);
                writer.Write(write);
                // In the same transaction: a model loaded after it reads the statistics and the class counts of one re-fit.
                using var command = write.Command("""
                    INSERT INTO class_counts (project_id, capability, correction) VALUES ($p, $c, $x)
                    ON CONFLICT (project_id, capability) DO UPDATE SET correction = excluded.correction
                    """);
                command.Parameters.AddWithValue("$p", projectId);
                command.Parameters.AddWithValue("$c", classCounts.Capability);
                command.Parameters.AddWithValue("$x", correction);
                command.ExecuteNonQuery();
                return statistics.Count;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task<string> SaveDriftReportAsync(DriftReport report, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_storage.FullDataDirectory, RelativePathFor(report));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        await using (var file = File.Create(temporary))
        {
            await System.Text.Json.JsonSerializer.SerializeAsync(file, report, LabelingJson.Options, cancellationToken).ConfigureAwait(false);
        }

        // Readers never see half a report, and two re-fits in one second (a manual one beside the scheduled one) each
        // keep theirs: the later is named …Z-2.json, …Z-3.json and so on. A move that must not replace is not atomic on
        // every platform, so the names are taken one save at a time (one server per data folder, so per process).
        await NameGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stem = Path.ChangeExtension(path, null);
            for (var n = 2; File.Exists(path); n++)
            {
                path = string.Create(CultureInfo.InvariantCulture, $"{stem}-{n}.json");
            }

            File.Move(temporary, path, overwrite: false);
            return path;
        }
        finally
        {
            NameGate.Release();
        }
    }
}
