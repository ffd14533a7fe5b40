namespace Labeling.Application.Ports;

/// <summary>
/// A durable at-least-once work queue with visibility timeouts and poison handling (Storage Queues
/// on Azure, a SQLite table locally). Handlers must be idempotent.
/// </summary>
public interface IWorkQueue
{
    /// <summary>Adds a message of no project; with a dedup key, a message with the same key still waiting is not added again.</summary>
    /// <param name="queue">The queue name.</param>
    /// <param name="payload">The JSON payload.</param>
    /// <param name="dedupKey">Optional key that suppresses duplicates while one is waiting.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task.</returns>
    Task EnqueueAsync(string queue, string payload, string? dedupKey, CancellationToken cancellationToken) =>
        EnqueueAsync(queue, payload, dedupKey, null, cancellationToken);

    /// <summary>
    /// Adds a message of <paramref name="share"/> (the project whose work it is); with a dedup key, a message with the same
    /// key still waiting is not added again. A queue that can serves the shares in turn — each share's oldest message, one
    /// share after another — so that one project's large file does not hold up another project's work until it is through.
    /// </summary>
    /// <param name="queue">The queue name.</param>
    /// <param name="payload">The JSON payload.</param>
    /// <param name="dedupKey">Optional key that suppresses duplicates while one is waiting.</param>
    /// <param name="share">Whose work it is (a project id); null for work of no project, which forms a share of its own.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task.</returns>
    Task EnqueueAsync(string queue, string payload, string? dedupKey, string? share, CancellationToken cancellationToken);

    /// <summary>Receives visible messages of any queue, each share's oldest in turn, hiding them for the visibility timeout.</summary>
    /// <param name="limit">How many at most.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The messages; messages received too often are moved to poison instead.</returns>
    Task<IReadOnlyList<WorkMessage>> ReceiveAsync(int limit, CancellationToken cancellationToken);

    /// <summary>Deletes a handled message.</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task.</returns>
    Task CompleteAsync(WorkMessage message, CancellationToken cancellationToken);

    /// <summary>Records a failure: the message becomes visible again after a back-off, or poison after the last attempt.</summary>
    /// <param name="message">The message.</param>
    /// <param name="error">What went wrong.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task.</returns>
    Task FailAsync(WorkMessage message, string error, CancellationToken cancellationToken);

    /// <summary>
    /// Gives a message back without counting its attempt: its handler met a failure that passes (the database busy, the
    /// disk full) or was stopped with the server. It is received again after <paramref name="delay"/>. A queue that cannot
    /// take an attempt back records a failure (<see cref="FailAsync"/>).
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="reason">Why (a queue that records a failure instead keeps it as the last error).</param>
    /// <param name="delay">How long before it is received again.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task.</returns>
    Task ReturnAsync(WorkMessage message, string reason, TimeSpan delay, CancellationToken cancellationToken) =>
        FailAsync(message, reason, cancellationToken);

    /// <summary>Counts messages waiting (visible or hidden) and poisoned.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Waiting and poisoned counts.</returns>
    Task<(int Waiting, int Poisoned)> CountAsync(CancellationToken cancellationToken);
}
