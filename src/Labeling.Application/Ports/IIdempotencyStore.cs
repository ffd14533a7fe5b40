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

    /// <summary>
    /// How long after its commit point a vote's stored answer may still be on its way: zero for a store that writes the
    /// answer in the commit's own transaction (SQLite); a store that writes it after the commit point (Cosmos DB, where
    /// the item is the commit point and the answer one of the writes that follow) gives the time those writes may take.
    /// A retry that finds the vote counted but no answer waits this long for it before it is refused.
    /// </summary>
    TimeSpan RecordLag => TimeSpan.Zero;
}
