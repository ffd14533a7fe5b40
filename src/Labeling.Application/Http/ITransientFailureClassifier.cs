namespace Labeling.Application.Http;

/// <summary>
/// Tells a store's failure that passes (throttled, busy, briefly unavailable) from a fault, for the HTTP API: such a
/// failure is answered 503 with <c>Retry-After</c>, which tells a client to send the request again, instead of a 500.
/// Each adapter registers one for its store (Cosmos DB's 429 and 503, SQLite's BUSY and LOCKED).
/// </summary>
public interface ITransientFailureClassifier
{
    /// <summary>How long the caller should wait before sending the request again, or null when the failure is not one that passes.</summary>
    /// <param name="exception">What the request's handling threw.</param>
    /// <returns>The wait, or null.</returns>
    TimeSpan? RetryAfter(Exception exception);
}
