namespace Labeling.Application.Ports;

/// <summary>
/// An item store that takes a commit in order without making its caller hold the project's model while
/// the commit is written: commits queued one after another are applied in that order, and each task
/// completes only once its commit is durable (or failed).
/// </summary>
/// <remarks>
/// <para>
/// This lets a vote release the project's model (<see cref="Truth.ProjectModels"/>) as soon as its commit
/// is queued, so the next vote is computed while this one is written and a store can save several in
/// one transaction. A commit queued later was computed from a model that already held the earlier ones.
/// </para>
/// <para>
/// Two rules keep the stored state and the model in step. When a queued commit fails, the store fails
/// every later commit of that project (queued or plain <see cref="IItemStore.CommitAsync"/>) without
/// applying it, until the project's model state is loaded again; the caller of the failed commit drops
/// the model (<see cref="Truth.ProjectSession.Invalidate"/>). And <see cref="ILabelerStore.LoadTruthStateAsync"/>
/// returns a state that includes every commit queued before it was called.
/// </para>
/// </remarks>
public interface IQueuedItemCommits
{
    /// <summary>Queues the commit behind every commit queued before it. Not cancellable once queued.</summary>
    /// <param name="commit">The changes.</param>
    /// <returns>Completes when the commit is saved; faults with <see cref="Problems.ConcurrencyConflictException"/> when a guard failed or an earlier queued commit of the project failed.</returns>
    Task CommitQueuedAsync(ItemCommit commit);
}
