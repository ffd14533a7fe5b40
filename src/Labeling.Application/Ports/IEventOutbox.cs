namespace Labeling.Application.Ports;

/// <summary>
/// The dispatcher's side of the durable outbox: which events each destination still needs, and
/// what happened when they were sent. Events are written through <see cref="ItemCommit"/>, in the
/// same transaction as the decision they announce.
/// </summary>
public interface IEventOutbox
{
    /// <summary>
    /// Events not yet delivered to <paramref name="destination"/> whose retry time has come, oldest first among those the
    /// store reads for the batch (all of them on SQLite; on Cosmos DB the first pages in the order the partition returns
    /// them, about the order they were written), composed by <see cref="Events.DueBatch"/>: the events never tried first,
    /// one place kept for the oldest retry due, so neither kind keeps the other out. Delivery order is not a promise
    /// either way (a retried event arrives after newer ones): consumers keep, per item, the event with the highest revision.
    /// </summary>
    /// <param name="destination">The sink's name.</param>
    /// <param name="now">The current time.</param>
    /// <param name="limit">How many.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The due events.</returns>
    Task<IReadOnlyList<DueEvent>> ReadDueAsync(string destination, DateTimeOffset now, int limit, CancellationToken cancellationToken);

    /// <summary>Records a successful delivery.</summary>
    /// <param name="destination">The sink's name.</param>
    /// <param name="eventId">The event.</param>
    /// <param name="at">When.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task.</returns>
    Task MarkDeliveredAsync(string destination, string eventId, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Records a failed delivery: retry at <paramref name="retryAt"/>, or dead-letter when it is null.</summary>
    /// <param name="destination">The sink's name.</param>
    /// <param name="eventId">The event.</param>
    /// <param name="attempts">Failed attempts including this one.</param>
    /// <param name="retryAt">When to try again; null to give up.</param>
    /// <param name="error">What went wrong.</param>
    /// <param name="at">When.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task.</returns>
    Task MarkFailedAsync(string destination, string eventId, int attempts, DateTimeOffset? retryAt, string error, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Events given up on.</summary>
    /// <param name="limit">How many, newest first.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The dead letters.</returns>
    Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Puts dead letters back among the due deliveries: each is due at <paramref name="now"/> with no failed attempts,
    /// so it gets every attempt again, and leaves <see cref="ListDeadLettersAsync"/>.
    /// </summary>
    /// <param name="destination">The sink whose dead letters to send again; null for every destination's.</param>
    /// <param name="now">The current time (when they are due).</param>
    /// <param name="cancellationToken">Cancels the write; deliveries already requeued stay requeued.</param>
    /// <returns>How many deliveries were requeued.</returns>
    /// <remarks>
    /// A delivery is counted by the call that requeued it: calls at the same time requeue each dead letter once, and
    /// one that is not dead (due, being sent, delivered) is left as it is, so a dispatcher running meanwhile sends
    /// it at least once more and no more often than a retry would.
    /// </remarks>
    Task<int> RequeueDeadLettersAsync(string? destination, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Makes every delivery to <paramref name="destination"/> still waiting for a retry due at <paramref name="now"/>: the
    /// destination works again after an outage, and the events tried during it, whose own back-off may run to
    /// <c>Events:MaxBackoff</c>, go out with the rest instead of up to an hour after them. Their attempts are kept.
    /// </summary>
    /// <param name="destination">The sink's name.</param>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>How many deliveries were made due.</returns>
    Task<int> ResumeAsync(string destination, DateTimeOffset now, CancellationToken cancellationToken);
}
