using Labeling.Application.Ports;
using Labeling.Domain.Labelers;
using Labeling.Domain.TruthInference;

namespace Labeling.Adapters.Local.Sqlite;

/// <summary>Labelers' statistics and track records, and the project's truth-model state, from SQLite.</summary>
public sealed class SqliteLabelerStore : ILabelerStore
{
    private readonly SqliteDatabase _database;

    /// <summary>Creates the store.</summary>
    /// <param name="database">The database.</param>
    public SqliteLabelerStore(SqliteDatabase database) => _database = database;

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, MachineTrack>> GetMachineTracksAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqliteValues.Command(connection, "SELECT labeler_id, checked, agreed FROM labelers WHERE project_id = $p AND kind <> 'worker'");
        command.Add("$p", projectId);
        var tracks = new Dictionary<string, MachineTrack>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tracks[reader.GetString(0)] = new MachineTrack(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2));
        }

        return tracks;
    }

    /// <inheritdoc />
    public async Task<OnlineDawidSkeneState> LoadTruthStateAsync(string projectId, IReadOnlyList<string> labels, CancellationToken cancellationToken)
    {
        // A barrier in the write queue: every commit queued before this load is saved (or failed) first, and
        // commits queued after it are computed from the model this state rebuilds (IQueuedItemCommits).
        var poisoned = _database.PoisonedProjects;
        await _database.WriteAsync(_ => poisoned.Remove(projectId), CancellationToken.None).ConfigureAwait(false);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var labelers = new List<LabelerStatisticsState>();
        await using (var command = SqliteValues.Command(connection, "SELECT statistics FROM labelers WHERE project_id = $p AND statistics IS NOT NULL"))
        {
            command.Add("$p", projectId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                labelers.Add(SqliteValues.FromJson<LabelerStatisticsState>(reader.GetString(0)));
            }
        }

        var items = new List<ItemEvidenceState>();
        await using (var command = SqliteValues.Command(connection, "SELECT evidence FROM items WHERE project_id = $p AND evidence IS NOT NULL"))
        {
            command.Add("$p", projectId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                items.Add(SqliteValues.FromJson<ItemEvidenceState>(reader.GetString(0)));
            }
        }

        var classCounts = new List<ClassCountsState>();
        await using (var command = SqliteValues.Command(connection, "SELECT capability, correction FROM class_counts WHERE project_id = $p"))
        {
            command.Add("$p", projectId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                classCounts.Add(new ClassCountsState(reader.GetString(0), SqliteValues.FromJson<double[]>(reader.GetString(1))));
            }
        }

        return new OnlineDawidSkeneState([.. labels], [.. labelers], [.. items], classCounts.Count > 0 ? [.. classCounts] : null);
    }
}
