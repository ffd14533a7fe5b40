using Labeling.Application.Http;
using Microsoft.Data.Sqlite;

namespace Labeling.Adapters.Local.Sqlite;

/// <summary>
/// SQLite's BUSY and LOCKED (another program holds the database past the busy timeout, or a checkpoint or backup runs) are
/// failures that pass: the API answers them 503 with <c>Retry-After: 1</c> instead of 500.
/// </summary>
public sealed class SqliteTransientFailures : ITransientFailureClassifier
{
    /// <inheritdoc />
    public TimeSpan? RetryAfter(Exception exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            if (ex is SqliteException { SqliteErrorCode: 5 or 6 })
            {
                return TimeSpan.FromSeconds(1);
            }
        }

        return null;
    }
}
