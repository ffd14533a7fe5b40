namespace Labeling.Application.Events;

/// <summary>
/// What one round of the dispatcher reads for a destination, out of the events never tried and the retries due (each
/// oldest first): the never-tried ones first, then retries while the batch has room, with one place kept for the oldest
/// retry due. Both outboxes compose their batch with it.
/// </summary>
/// <remarks>
/// Taken oldest first from both, a batch's worth of retries the receiver refuses, due again, kept every new event out of
/// every round (the dispatcher tries the never-tried first only among those read), and the destination delivered nothing
/// until they were dead-lettered. Cut after a batch's worth of never-tried events, a retry never got into a batch for as
/// long as new events kept coming that fast: hence the one place.
/// </remarks>
public static class DueBatch
{
    /// <summary>The batch, never-tried events first (the caller puts it in the order it delivers).</summary>
    /// <typeparam name="T">How the store holds a due event.</typeparam>
    /// <param name="untried">The events never tried, oldest first.</param>
    /// <param name="retries">The retries due, oldest first.</param>
    /// <param name="limit">The batch's size.</param>
    /// <returns>At most <paramref name="limit"/> of them.</returns>
    public static IEnumerable<T> Compose<T>(IEnumerable<T> untried, IReadOnlyCollection<T> retries, int limit)
    {
        ArgumentNullException.ThrowIfNull(untried);
        ArgumentNullException.ThrowIfNull(retries);
        var room = retries.Count > 0 ? Math.Max(0, limit - 1) : limit;
        return untried.Take(room).Concat(retries).Take(limit);
    }
}
