namespace Labeling.Application.Ports;

/// <summary>The stored answer to a request sent with an <c>Idempotency-Key</c>: a retry gets this answer again.</summary>
/// <param name="CallerId">Who sent the request; keys are scoped per caller.</param>
/// <param name="Key">The caller's key.</param>
/// <param name="StatusCode">The HTTP status of the first answer.</param>
/// <param name="Body">The JSON body of the first answer.</param>
/// <param name="CreatedAt">When it was first answered.</param>
public sealed record IdempotencyRecord(string CallerId, string Key, int StatusCode, string Body, DateTimeOffset CreatedAt);
