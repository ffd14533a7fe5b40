using Labeling.Adapters.Local.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Labeling.Adapters.Local.Hosting;

/// <summary>Healthy when the SQLite database answers a query.</summary>
public sealed class SqliteHealthCheck : IHealthCheck
{
    private readonly SqliteDatabase _database;

    /// <summary>Creates the check.</summary>
    /// <param name="database">The database.</param>
    public SqliteHealthCheck(SqliteDatabase database) => _database = database;

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy("SQLite answers.");
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            return HealthCheckResult.Unhealthy("SQLite does not answer.", ex);
        }
    }
}
