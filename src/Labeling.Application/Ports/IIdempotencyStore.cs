namespace Labeling.Application.Ports;

/// <summary>Answers already given to requests with an <c>Idempotency-Key</c>. Written through <see cref="ItemCommit"/>.</summary>
public interface IIdempotencyStore
{
    /// <summary>Reads the stored answer for a caller's key.</summary>
    /// <param name="callerId">The caller.</param>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The record, or null when the key is new.</returns>
    Task<IdempotencyRecord?> GetAsync(string callerId, string key, CancellationToken cancellationToken);
}
