using Labeling.Domain.Documents;
using Labeling.Domain.Items;
using Labeling.Application.Ports;

namespace Labeling.Adapters.Azure.Tests.Cosmos;

/// <summary>Deleting a project (<see cref="IProjectPurge"/>): marked first, purged in batches, its id kept from reuse.</summary>
public abstract partial class StoreContract
{
    [Fact]
    public async Task PurgeAsync_MarkedProject_HiddenAtOnce_ThenItsDataGoesInBatches_AndTheIdStaysTaken()
    {
        var s = await CreateAsync();
        var id = "del-" + Guid.NewGuid().ToString("N")[..6];
        var other = "keep-" + Guid.NewGuid().ToString("N")[..6];
        Assert.True(await s.Projects.TryCreateAsync(Project(id), CancellationToken.None));
        Assert.True(await s.Projects.TryCreateAsync(Project(other), CancellationToken.None));
        var items = Enumerable.Range(0, 7).Select(n => Item(id, $"itm_{n:00}", ItemState.Collecting, "doc_1")).ToArray();
        await s.Items.AddNewAsync(items, CancellationToken.None);
        await s.Items.AddNewAsync([Item(other, "itm_other", ItemState.Collecting, "doc_1")], CancellationToken.None);
        await s.Documents.UpsertAsync(new Document(id, "doc_1", "a.csv", "hash", DocumentStatus.Ingested, null, 7, 0, T0), CancellationToken.None);
        var decided = new OutboxEvent($"{items[0].Id}-r2", id, items[0].Id, "label.ready", "{}", T0);
        await s.Items.CommitAsync(
            new ItemCommit(id) { Items = [new ItemWrite(items[0] with { Revision = 2 }, null)], Votes = [CrowdVote(id, items[0].Id, "worker:w1")], Events = [decided] },
            CancellationToken.None);
        Assert.True(await s.Leases.TryAcquireAsync(new ItemLease("lease-del", id, items[1].Id, "worker:w2", T0, T0.AddMinutes(5), null), T0, CancellationToken.None));

        // If-Match for a version the project is not at: not marked, in the mark's own write.
        Assert.False(await s.Purge.MarkDeletedAsync(id, [2], T0, CancellationToken.None));
        Assert.NotNull(await s.Projects.GetCurrentAsync(id, CancellationToken.None));
        Assert.True(await s.Purge.MarkDeletedAsync(id, [1], T0, CancellationToken.None));

        Assert.Null(await s.Projects.GetAsync(id, CancellationToken.None));
        Assert.Null(await s.Projects.GetCurrentAsync(id, CancellationToken.None));
        Assert.DoesNotContain(await s.Projects.ListAsync(CancellationToken.None), p => p.Id == id);
        Assert.False(await s.Projects.TryReplaceAsync(Project(id) with { Version = 2 }, CancellationToken.None));
        Assert.Contains(id, await s.Purge.ListDeletedAsync(CancellationToken.None));
        // Marked twice (a DELETE sent again while the purge runs): still marked, nothing else changes.
        Assert.True(await s.Purge.MarkDeletedAsync(id, null, T0.AddMinutes(1), CancellationToken.None));

        var batches = new List<int>();
        int deleted;
        while ((deleted = await s.Purge.PurgeItemsAsync(id, 3, CancellationToken.None)) > 0)
        {
            batches.Add(deleted);
        }

        Assert.Equal(7, batches.Sum());
        Assert.All(batches, b => Assert.InRange(b, 1, 3));
        Assert.True(await s.Purge.FinishAsync(id, CancellationToken.None));

        Assert.Empty(await s.Items.ListAsync(id, null, null, 100, CancellationToken.None));
        Assert.Empty(await s.Items.GetVotesAsync(id, items[0].Id, CancellationToken.None));
        Assert.Null(await s.Items.GetAsync(id, items[3].Id, CancellationToken.None));
        Assert.Empty(await s.Documents.ListAsync(id, CancellationToken.None));
        Assert.Equal(0, (await s.Items.CountAsync(id, CancellationToken.None)).CrowdVotes);
        Assert.DoesNotContain(id, await s.Purge.ListDeletedAsync(CancellationToken.None));
        // The id is not used again, and once purged a delete finds nothing to delete.
        Assert.False(await s.Projects.TryCreateAsync(Project(id), CancellationToken.None));
        Assert.False(await s.Purge.MarkDeletedAsync(id, null, T0, CancellationToken.None));
        Assert.False(await s.Purge.MarkDeletedAsync("no-such-project", null, T0, CancellationToken.None));
        // The decision made before the delete is still delivered; the other project is untouched.
        Assert.Contains(await s.Outbox.ReadDueAsync(Webhook, T0.AddMinutes(1), 100, CancellationToken.None), e => e.Event.Id == decided.Id);
        Assert.NotNull(await s.Projects.GetAsync(other, CancellationToken.None));
        Assert.NotNull(await s.Items.GetAsync(other, "itm_other", CancellationToken.None));

        // A restarted process reads the project as deleted too.
        var reopened = s.Reopen();
        Assert.Null(await reopened.Projects.GetAsync(id, CancellationToken.None));
        Assert.False(await reopened.Projects.TryCreateAsync(Project(id), CancellationToken.None));
    }
}
