using Labeling.Domain.Items;
using Labeling.Domain.Votes;

namespace Labeling.Application.Ports;

/// <summary>Items and their votes, partitioned by project: point reads, single-project queries, and commits.</summary>
public interface IItemStore
{
    /// <summary>Reads an item.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="itemId">The item.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The item, or null.</returns>
    Task<Item?> GetAsync(string projectId, string itemId, CancellationToken cancellationToken);

    /// <summary>Adds items whose content hash is new in the project; others are skipped (dedup).</summary>
    /// <param name="items">New items, all of one project, at revision 1.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The ids of the items actually added.</returns>
    Task<IReadOnlyList<string>> AddNewAsync(IReadOnlyList<Item> items, CancellationToken cancellationToken);

    /// <summary>Counts items that were first brought in by a document.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="documentId">The document.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The count.</returns>
    Task<int> CountFromDocumentAsync(string projectId, string documentId, CancellationToken cancellationToken);

    /// <summary>Pages through a project's items in id order.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="state">Only items in this state; null for all.</param>
    /// <param name="afterId">Continue after this id; null from the start.</param>
    /// <param name="limit">Page size.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Up to <paramref name="limit"/> items.</returns>
    Task<IReadOnlyList<Item>> ListAsync(string projectId, ItemState? state, string? afterId, int limit, CancellationToken cancellationToken);

    /// <summary>A project's votes on one item, oldest first.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="itemId">The item.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The votes.</returns>
    Task<IReadOnlyList<Vote>> GetVotesAsync(string projectId, string itemId, CancellationToken cancellationToken);

    /// <summary>Counts a project's items by state and its votes.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The counts.</returns>
    Task<ProjectCounts> CountAsync(string projectId, CancellationToken cancellationToken);

    /// <summary>
    /// Whether any of a project's items is in <paramref name="state"/>: what <see cref="CountAsync"/> would say about that
    /// state being above zero, at the cost of finding one item rather than counting them all.
    /// </summary>
    /// <param name="projectId">The project.</param>
    /// <param name="state">The state.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>True when one is.</returns>
    Task<bool> AnyInStateAsync(string projectId, ItemState state, CancellationToken cancellationToken);

    /// <summary>Counts the crowd responses a project has used (its budget consumption).</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The count.</returns>
    Task<long> CountCrowdVotesAsync(string projectId, CancellationToken cancellationToken);

    /// <summary>Counts one labeler's votes in a project, and its "unsure" answers among them.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="labelerId">The labeler.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The counts (zero for a labeler that never voted there).</returns>
    Task<LabelerVotes> CountVotesByAsync(string projectId, string labelerId, CancellationToken cancellationToken);

    /// <summary>
    /// Streams a project's labeled items (auto-accepted and decided) in id order, as they are read. The export hands
    /// them to its client at the client's pace, so a store reads them in pages, each page a short read of its own, and
    /// holds no read open for the whole stream; an item that changes meanwhile is read as its page finds it.
    /// </summary>
    /// <param name="projectId">The project.</param>
    /// <param name="cancellationToken">Stops the stream.</param>
    /// <returns>The items.</returns>
    IAsyncEnumerable<Item> ReadLabeledAsync(string projectId, CancellationToken cancellationToken);

    /// <summary>Streams a project's items in one state, as they are read (in no particular order), each store read once.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="state">The state.</param>
    /// <param name="cancellationToken">Stops the stream.</param>
    /// <returns>The items.</returns>
    IAsyncEnumerable<Item> ReadInStateAsync(string projectId, ItemState state, CancellationToken cancellationToken);

    /// <summary>Writes a labeling step all-or-nothing.</summary>
    /// <param name="commit">The step's changes.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task.</returns>
    /// <exception cref="Problems.ConcurrencyConflictException">An item's revision moved, or the vote already exists.</exception>
    Task CommitAsync(ItemCommit commit, CancellationToken cancellationToken);
}
