using System.Runtime.CompilerServices;
using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Domain.Items;
using Labeling.Domain.Labelers;
using Labeling.Domain.Votes;
using Microsoft.Data.Sqlite;

namespace Labeling.Adapters.Local.Sqlite;

/// <summary>
/// Items, votes and commits in SQLite. A commit is all-or-nothing: items (guarded by revision),
/// votes and the project's vote counters, labeler statistics and tracks, outbox events, the used
/// lease and the idempotency record. Commits are group-committed (<see cref="SqliteDatabase.WriteAsync{T}"/>),
/// in the order they were started, which is what <see cref="IQueuedItemCommits"/> needs.
/// </summary>
public sealed class SqliteItemStore : IItemStore, IQueuedItemCommits
{
    /// <summary>A project's crowd responses: one row of the counter the commits keep, not a count of the votes.</summary>
    internal const string CrowdVotesQuery = "SELECT crowd_votes FROM project_counters WHERE project_id = $p";

    /// <summary>One labeler's votes in a project: the count the commits keep on its row, not a count of the votes.</summary>
    internal const string LabelerVotesQuery = "SELECT votes, unsure FROM labelers WHERE project_id = $p AND labeler_id = $l";

    /// <summary>
    /// One page of a project's labeled items after an id ($after), in id order: a range of the primary key, so a page
    /// costs its own rows, not the ones before it.
    /// </summary>
    /// <summary>A page of the item list: the project's items in id order, in a state and after a cursor when given.</summary>
    internal static string ListQuery(bool byState, bool afterCursor) =>
        "SELECT body FROM items WHERE project_id = $p" + (byState ? " AND state = $state" : string.Empty)
        + (afterCursor ? " AND id > $after" : string.Empty) + " ORDER BY id LIMIT $limit";

    internal const string LabeledPageQuery = $"""
        SELECT id, body FROM items
        WHERE project_id = $p AND id > $after AND state IN {LabeledStates}
        ORDER BY id LIMIT $limit
        """;

    /// <summary>Labeled items read at a time by <see cref="ReadLabeledAsync"/>.</summary>
    internal const int LabeledPageSize = 500;

    private const string LabeledStates = "('auto-accepted', 'decided')";
    private readonly SqliteDatabase _database;
    private readonly TimeProvider _time;

    /// <summary>Creates the store.</summary>
    /// <param name="database">The database.</param>
    /// <param name="time">The clock, for when leases are completed.</param>
    public SqliteItemStore(SqliteDatabase database, TimeProvider time)
    {
        _database = database;
        _time = time;
    }

    /// <inheritdoc />
    /// <remarks>Served from <see cref="SqliteItemCache"/> when held there; an item read here is offered to it.</remarks>
    public async Task<Item?> GetAsync(string projectId, string itemId, CancellationToken cancellationToken)
    {
        var cache = _database.Items;
        if (cache.TryGet(projectId, itemId, out var held))
        {
            return held;
        }

        var epoch = cache.Epoch;
        using var session = await _database.ReadAsync(cancellationToken).ConfigureAwait(false);
        var command = session.Prepared("SELECT body FROM items WHERE project_id = $p AND id = $id");
        command.Add("$p", projectId);
        command.Add("$id", itemId);
        if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not string body)
        {
            return null;
        }

        var item = SqliteValues.FromJson<Item>(body);
        cache.Offer(item, epoch);
        return item;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> AddNewAsync(IReadOnlyList<Item> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        var added = new List<string>();
        if (items.Count == 0)
        {
            return added;
        }

        await using var write = await _database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        foreach (var projectId in items.Select(i => i.ProjectId).Distinct(StringComparer.Ordinal))
        {
            // An ingestion that read the project before it was marked deleted adds nothing to it.
            _database.ThrowIfDeleted(projectId);
        }

        var connection = write.Connection;
        var transaction = write.Transaction;
        await using var insert = SqliteValues.Command(connection, """
            INSERT OR IGNORE INTO items (project_id, id, content_hash, document_id, state, crowd_votes, revision, body)
            VALUES ($p, $id, $hash, $doc, $state, 0, $rev, $body)
            """, transaction);
        var p = insert.Parameters.Add("$p", SqliteType.Text);
        var id = insert.Parameters.Add("$id", SqliteType.Text);
        var hash = insert.Parameters.Add("$hash", SqliteType.Text);
        var doc = insert.Parameters.Add("$doc", SqliteType.Text);
        var state = insert.Parameters.Add("$state", SqliteType.Text);
        var rev = insert.Parameters.Add("$rev", SqliteType.Integer);
        var body = insert.Parameters.Add("$body", SqliteType.Text);
        foreach (var item in items)
        {
            p.Value = item.ProjectId;
            id.Value = item.Id;
            hash.Value = item.ContentHash;
            doc.Value = (object?)item.DocumentId ?? DBNull.Value;
            state.Value = SqliteValues.Name(item.State);
            rev.Value = item.Revision;
            body.Value = SqliteValues.Json(item);
            if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                added.Add(item.Id);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return added;
    }

    /// <inheritdoc />
    public async Task<int> CountFromDocumentAsync(string projectId, string documentId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqliteValues.Command(connection, "SELECT COUNT(*) FROM items WHERE project_id = $p AND document_id = $d");
        command.Add("$p", projectId);
        command.Add("$d", documentId);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Item>> ListAsync(string projectId, ItemState? state, string? afterId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // Only the conditions given, so the cursor is a range on the key: with "$after IS NULL OR id > $after" SQLite read
        // every page from the project's first item (100 ms a page near the end of 500,000 items, a review measured).
        await using var command = SqliteValues.Command(connection, ListQuery(state is not null, afterId is not null));
        command.Add("$p", projectId);
        if (state is { } s)
        {
            command.Add("$state", SqliteValues.Name(s));
        }

        if (afterId is not null)
        {
            command.Add("$after", afterId);
        }

        command.Add("$limit", limit);
        var items = new List<Item>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            items.Add(SqliteValues.FromJson<Item>(reader.GetString(0)));
        }

        return items;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Vote>> GetVotesAsync(string projectId, string itemId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqliteValues.Command(connection, "SELECT labeler_id, kind, label, at, lease_id FROM votes WHERE project_id = $p AND item_id = $i ORDER BY seq");
        command.Add("$p", projectId);
        command.Add("$i", itemId);
        var votes = new List<Vote>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            votes.Add(new Vote(projectId, itemId, reader.GetString(0), SqliteValues.Parse<LabelerKind>(reader.GetString(1)),
                reader.IsDBNull(2) ? null : reader.GetString(2), SqliteValues.Time(reader.GetInt64(3)), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }

        return votes;
    }

    /// <inheritdoc />
    public async Task<bool> AnyInStateAsync(string projectId, ItemState state, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqliteValues.Command(connection, "SELECT EXISTS (SELECT 1 FROM items WHERE project_id = $p AND state = $s)");
        command.Add("$p", projectId);
        command.Add("$s", SqliteValues.Name(state));
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) != 0;
    }

    /// <inheritdoc />
    public async Task<ProjectCounts> CountAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var byState = new Dictionary<ItemState, int>();
        await using (var command = SqliteValues.Command(connection, "SELECT state, COUNT(*) FROM items WHERE project_id = $p GROUP BY state"))
        {
            command.Add("$p", projectId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                byState[SqliteValues.Parse<ItemState>(reader.GetString(0))] = reader.GetInt32(1);
            }
        }

        long crowd = 0, machine = 0;
        await using (var command = SqliteValues.Command(connection, "SELECT crowd_votes, machine_votes FROM project_counters WHERE project_id = $p"))
        {
            command.Add("$p", projectId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                crowd = reader.GetInt64(0);
                machine = reader.GetInt64(1);
            }
        }

        return new ProjectCounts(byState, crowd, machine);
    }

    /// <inheritdoc />
    public async Task<long> CountCrowdVotesAsync(string projectId, CancellationToken cancellationToken)
    {
        using var session = await _database.ReadAsync(cancellationToken).ConfigureAwait(false);
        var command = session.Prepared(CrowdVotesQuery);
        command.Add("$p", projectId);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long count ? count : 0;
    }

    /// <inheritdoc />
    public async Task<LabelerVotes> CountVotesByAsync(string projectId, string labelerId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqliteValues.Command(connection, LabelerVotesQuery);
        command.Add("$p", projectId);
        command.Add("$l", labelerId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new LabelerVotes((int)reader.GetInt64(0), (int)reader.GetInt64(1))
            : default;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Read in pages of <see cref="LabeledPageSize"/> items by id (<see cref="LabeledPageQuery"/>), each page in a read
    /// of its own that has ended before the first of its items is handed out. The export streams this to a client
    /// at the client's pace: one read held open for all of it kept every later write in the WAL (a passive
    /// checkpoint cannot copy back past a reader's snapshot, nor start the file over), which grew by hundreds of
    /// megabytes under a slow download. An item that changes while the stream runs is read as its page finds it.
    /// </remarks>
    public async IAsyncEnumerable<Item> ReadLabeledAsync(string projectId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Every id is non-empty, so "" is before the first.
        var after = string.Empty;
        while (true)
        {
            var page = await ReadLabeledPageAsync(projectId, after, cancellationToken).ConfigureAwait(false);
            foreach (var (_, item) in page)
            {
                yield return item;
            }

            if (page.Count < LabeledPageSize)
            {
                yield break;
            }

            after = page[^1].Id;
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<Item> ReadInStateAsync(string projectId, ItemState state, CancellationToken cancellationToken) =>
        StreamAsync("SELECT body FROM items WHERE project_id = $p AND state = $state", projectId, SqliteValues.Name(state), cancellationToken);

    private async Task<List<(string Id, Item Item)>> ReadLabeledPageAsync(string projectId, string after, CancellationToken cancellationToken)
    {
        using var session = await _database.ReadAsync(cancellationToken).ConfigureAwait(false);
        var command = session.Prepared(LabeledPageQuery);
        command.Add("$p", projectId);
        command.Add("$after", after);
        command.Add("$limit", LabeledPageSize);
        var page = new List<(string, Item)>(LabeledPageSize);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            page.Add((reader.GetString(0), SqliteValues.FromJson<Item>(reader.GetString(1))));
        }

        return page;
    }

    // Item bodies of one project ($p) in one state ($state), parsed as they are read. One read for the whole stream:
    // the re-fit reads the pool this way under the project's lock and at its own pace, never a client's.
    private async IAsyncEnumerable<Item> StreamAsync(string sql, string projectId, string state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqliteValues.Command(connection, sql);
        command.Add("$p", projectId);
        command.Add("$state", state);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return SqliteValues.FromJson<Item>(reader.GetString(0));
        }
    }

    /// <inheritdoc />
    public Task CommitAsync(ItemCommit commit, CancellationToken cancellationToken) => WriteCommitAsync(commit, queued: false, cancellationToken);

    /// <inheritdoc />
    public Task CommitQueuedAsync(ItemCommit commit) => WriteCommitAsync(commit, queued: true, CancellationToken.None);

    private async Task WriteCommitAsync(ItemCommit commit, bool queued, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(commit);
        if (commit.CompletedLeaseId is { } leaseId)
        {
            // Before the commit is queued: from now on the lease is read from its row, which the commit changes.
            _database.GrantedLeases.Forget(leaseId);
        }

        var writer = new SqliteCommitWriter(commit, _time.GetUtcNow());
        var poisoned = _database.PoisonedProjects;
        var cache = _database.Items;
        try
        {
            var epoch = await _database.WriteAsync(
                write =>
                {
                    // A step that read the project before it was marked deleted: nothing of it is written, its events included.
                    _database.ThrowIfDeleted(commit.ProjectId);

                    // Runs on the writer's turn, in queue order: the set is only touched there.
                    if (poisoned.Contains(commit.ProjectId))
                    {
                        throw new ConcurrencyConflictException(
                            $"An earlier change to project '{commit.ProjectId}' failed and this one was computed after it; nothing was saved. Send the request again (with the same Idempotency-Key).");
                    }

                    // Taken on the writer's turn, before any later write of these items (SqliteItemCache).
                    var epoch = cache.Epoch;
                    try
                    {
                        writer.Write(write);
                    }
                    catch when (queued)
                    {
                        poisoned.Add(commit.ProjectId);
                        throw;
                    }

                    return epoch;
                },
                cancellationToken,
                queued ? () => poisoned.Add(commit.ProjectId) : null).ConfigureAwait(false);

            // Committed: the items as written are the saved ones.
            foreach (var write in commit.Items)
            {
                cache.Offer(write.Item, epoch);
            }
        }
        catch (SqliteException ex) when (SqliteValues.IsConstraintViolation(ex))
        {
            throw new ConcurrencyConflictException($"The change conflicts with one already saved ({ex.Message}).");
        }
    }
}
