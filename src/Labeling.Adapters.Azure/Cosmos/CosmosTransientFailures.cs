using System.Net;
using Labeling.Application.Http;
using Microsoft.Azure.Cosmos;

namespace Labeling.Adapters.Azure.Cosmos;

/// <summary>
/// Cosmos DB's answers that pass, once the SDK's own retries are spent: throttled (429, and 449 "retry with"), unavailable
/// (503) or timed out (408). The API answers them 503 with <c>Retry-After</c> (the service's own for a 429, else 1 s, or
/// 5 s for an unavailable service) instead of 500.
/// </summary>
public sealed class CosmosTransientFailures : ITransientFailureClassifier
{
    /// <inheritdoc />
    public TimeSpan? RetryAfter(Exception exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            if (ex is CosmosException cosmos)
            {
                return cosmos.StatusCode switch
                {
                    HttpStatusCode.TooManyRequests or (HttpStatusCode)449 => cosmos.RetryAfter is { } after && after > TimeSpan.Zero ? after : TimeSpan.FromSeconds(1),
                    HttpStatusCode.ServiceUnavailable => TimeSpan.FromSeconds(5),
                    HttpStatusCode.RequestTimeout => TimeSpan.FromSeconds(1),
                    _ => null,
                };
            }
        }

        return null;
    }
}
