using Labeling.Application.Ports;

namespace Labeling.Adapters.Azure.Tests.Cosmos;

/// <summary>The outbox's part of the contract: requeueing dead letters (redelivery after an outage).</summary>
public abstract partial class StoreContract
{
    /// <summary>A webhook destination the store's outbox delivers to.</summary>
    public const string Webhook = "webhook:ml";

    /// <summary>The JSONL file destination the store's outbox delivers to.</summary>
    public const string Jsonl = "jsonl";

    private static readonly DateTimeOffset Requeued = T0.AddHours(1);

    [Fact]
    public async Task RequeueDeadLettersAsync_OneDestination_ItsDeadLettersAreDueNowWithEveryAttemptAgain()
    {
        var s = await CreateAsync();
        await CommitEventsAsync(s, "evt_1", "evt_2", "evt_3");
        await DeadLetterAsync(s, Webhook, "evt_1", "evt_2");
        await DeadLetterAsync(s, Jsonl, "evt_2");
        await s.Outbox.MarkDeliveredAsync(Webhook, "evt_3", T0, CancellationToken.None);
        await s.Outbox.MarkDeliveredAsync(Jsonl, "evt_1", T0, CancellationToken.None);
        await s.Outbox.MarkDeliveredAsync(Jsonl, "evt_3", T0, CancellationToken.None);

        Assert.Equal(2, await s.Outbox.RequeueDeadLettersAsync(Webhook, Requeued, CancellationToken.None));

        Assert.Empty(await s.Outbox.ReadDueAsync(Webhook, Requeued.AddSeconds(-1), 10, CancellationToken.None));
        var due = await s.Outbox.ReadDueAsync(Webhook, Requeued, 10, CancellationToken.None);
        Assert.Equal([("evt_1", 0), ("evt_2", 0)], due.Select(d => (d.Event.Id, d.Attempts)));
        var left = Assert.Single(await s.Outbox.ListDeadLettersAsync(10, CancellationToken.None));
        Assert.Equal(("evt_2", Jsonl), (left.EventId, left.Destination));
        Assert.Equal(("p1", "itm_evt_2"), (left.ProjectId, left.ItemId));
        Assert.Empty(await s.Outbox.ReadDueAsync(Jsonl, Requeued, 10, CancellationToken.None));

        // Nothing is dead for the webhook any more; a requeued delivery fails and is retried as a new one would be.
        Assert.Equal(0, await s.Outbox.RequeueDeadLettersAsync(Webhook, Requeued, CancellationToken.None));
        await s.Outbox.MarkFailedAsync(Webhook, "evt_1", 1, Requeued.AddMinutes(1), "503", Requeued, CancellationToken.None);
        await s.Outbox.MarkDeliveredAsync(Webhook, "evt_2", Requeued, CancellationToken.None);
        Assert.Empty(await s.Outbox.ReadDueAsync(Webhook, Requeued.AddSeconds(30), 10, CancellationToken.None));
        Assert.Equal([("evt_1", 1)], (await s.Outbox.ReadDueAsync(Webhook, Requeued.AddMinutes(1), 10, CancellationToken.None)).Select(d => (d.Event.Id, d.Attempts)));
        Assert.Equal(0, await s.Reopen().Outbox.RequeueDeadLettersAsync(Webhook, Requeued, CancellationToken.None));
    }

    [Fact]
    public async Task ResumeAsync_MakesTheDestinationsWaitingRetriesDueNow_KeepingTheirAttempts()
    {
        var s = await CreateAsync();
        await CommitEventsAsync(s, "evt_1", "evt_2", "evt_3", "evt_4");
        await s.Outbox.MarkFailedAsync(Webhook, "evt_1", 6, T0.AddHours(1), "503", T0, CancellationToken.None);
        await s.Outbox.MarkFailedAsync(Webhook, "evt_2", 12, null, "503", T0, CancellationToken.None);
        await s.Outbox.MarkDeliveredAsync(Webhook, "evt_3", T0, CancellationToken.None);
        await s.Outbox.MarkFailedAsync(Jsonl, "evt_4", 3, T0.AddHours(1), "disk full", T0, CancellationToken.None);
        var now = T0.AddMinutes(5);

        Assert.Equal(1, await s.Outbox.ResumeAsync(Webhook, now, CancellationToken.None));

        // The retry is due now with its attempts; the dead letter stays dead, the delivered one delivered, and another
        // destination's retry keeps its time.
        Assert.Equal([("evt_1", 6), ("evt_4", 0)], (await s.Outbox.ReadDueAsync(Webhook, now, 10, CancellationToken.None)).Select(d => (d.Event.Id, d.Attempts)));
        Assert.Equal("evt_2", Assert.Single(await s.Outbox.ListDeadLettersAsync(10, CancellationToken.None)).EventId);
        Assert.Equal(["evt_1", "evt_2", "evt_3"], (await s.Outbox.ReadDueAsync(Jsonl, now, 10, CancellationToken.None)).Select(d => d.Event.Id));
        Assert.Equal(0, await s.Outbox.ResumeAsync(Webhook, now, CancellationToken.None));
    }

    [Fact]
    public async Task ReadDueAsync_ABatchsWorthOfRetriesDue_LeavesRoomForTheEventsNeverTried()
    {
        // Taken oldest first, three retries the receiver refuses filled a batch of three every round, and the new events
        // were not read until the retries were dead-lettered (a review).
        var s = await CreateAsync();
        await CommitEventsAsync(s, "evt_1", "evt_2", "evt_3", "evt_4", "evt_5");
        foreach (var refused in new[] { "evt_1", "evt_2", "evt_3" })
        {
            await s.Outbox.MarkFailedAsync(Webhook, refused, 1, T0, "400", T0, CancellationToken.None);
        }

        // Written last, the new events come last in a partition read that returns the latest written last (as the Cosmos DB
        // server of the tests does; the service returns them in the order they were created, which the first events keep).
        await s.Outbox.MarkDeliveredAsync(Jsonl, "evt_4", T0, CancellationToken.None);
        await s.Outbox.MarkDeliveredAsync(Jsonl, "evt_5", T0, CancellationToken.None);
        var due = await s.Outbox.ReadDueAsync(Webhook, T0.AddMinutes(1), 3, CancellationToken.None);

        Assert.Equal([("evt_1", 1), ("evt_4", 0), ("evt_5", 0)], due.Select(d => (d.Event.Id, d.Attempts)));
    }

    [Fact]
    public async Task ReadDueAsync_ABatchsWorthOfEventsNeverTried_StillHoldsTheOldestRetryDue()
    {
        // Untried events first and the batch cut after them: while a batch's worth of new events kept coming (a large file
        // auto-accepted, a busy crowd), a retry that was due never got into a batch, for as long as the inflow lasted.
        var s = await CreateAsync();
        await CommitEventsAsync(s, "evt_1", "evt_2", "evt_3", "evt_4", "evt_5");
        await s.Outbox.MarkFailedAsync(Webhook, "evt_1", 1, T0, "400", T0, CancellationToken.None);

        var due = await s.Outbox.ReadDueAsync(Webhook, T0.AddMinutes(1), 3, CancellationToken.None);

        // Which two never-tried events fill the rest is the store's order (one commit's events are written at once on
        // Cosmos DB, and a partition returns them in the order it keeps): the batch is sorted, the retry first.
        Assert.Equal(3, due.Count);
        Assert.Equal(("evt_1", 1), (due[0].Event.Id, due[0].Attempts));
        Assert.All(due.Skip(1), d => Assert.Equal(0, d.Attempts));
        Assert.Equal(2, due.Skip(1).Select(d => d.Event.Id).Distinct().Count());
    }

    [Fact]
    public async Task RequeueDeadLettersAsync_NoDestination_RequeuesEveryDestinationsDeadLetters()
    {
        var s = await CreateAsync();
        await CommitEventsAsync(s, "evt_1", "evt_2");
        await DeadLetterAsync(s, Webhook, "evt_1", "evt_2");
        await DeadLetterAsync(s, Jsonl, "evt_2");
        await s.Outbox.MarkDeliveredAsync(Jsonl, "evt_1", T0, CancellationToken.None);

        Assert.Equal(3, await s.Outbox.RequeueDeadLettersAsync(null, Requeued, CancellationToken.None));

        Assert.Empty(await s.Outbox.ListDeadLettersAsync(10, CancellationToken.None));
        Assert.Equal(["evt_1", "evt_2"], (await s.Outbox.ReadDueAsync(Webhook, Requeued, 10, CancellationToken.None)).Select(d => d.Event.Id));
        Assert.Equal(["evt_2"], (await s.Outbox.ReadDueAsync(Jsonl, Requeued, 10, CancellationToken.None)).Select(d => d.Event.Id));
    }

    [Fact]
    public async Task RequeueDeadLettersAsync_TwoCallsWhileAnotherDestinationIsDelivered_RequeuesEachDeadLetterOnceAndLosesNone()
    {
        // More events than one page of a paged read, each dead for the webhook and still due for the JSONL file, whose
        // deliveries (settling the events, on Cosmos moving them out of pending) run during the requeues.
        var s = await CreateAsync();
        var ids = Enumerable.Range(0, 150).Select(n => $"evt_{n:000}").ToArray();
        await CommitEventsAsync(s, ids);
        await DeadLetterAsync(s, Webhook, ids);

        var requeues = Enumerable.Range(0, 2).Select(_ => Task.Run(() => s.Outbox.RequeueDeadLettersAsync(Webhook, Requeued, CancellationToken.None))).ToArray();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, ct) =>
            await s.Outbox.MarkDeliveredAsync(Jsonl, id, T0, ct));
        var counts = await Task.WhenAll(requeues);

        Assert.Equal(ids.Length, counts.Sum());
        var due = await s.Outbox.ReadDueAsync(Webhook, Requeued, 1000, CancellationToken.None);
        Assert.Equal(ids, due.Select(d => d.Event.Id).Order(StringComparer.Ordinal));
        Assert.All(due, d => Assert.Equal(0, d.Attempts));
        Assert.Empty(await s.Outbox.ListDeadLettersAsync(1000, CancellationToken.None));
        Assert.Empty(await s.Outbox.ReadDueAsync(Jsonl, Requeued, 1000, CancellationToken.None));
    }

    private static async Task CommitEventsAsync(StoreSet s, params string[] ids)
    {
        var events = ids.Select((id, n) => new OutboxEvent(id, "p1", "itm_" + id, "label.ready", "{}", T0.AddTicks(n))).ToArray();
        await s.Items.CommitAsync(new ItemCommit("p1") { Events = events }, CancellationToken.None);
    }

    private static Task DeadLetterAsync(StoreSet s, string destination, params string[] ids) =>
        Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, ct) =>
            await s.Outbox.MarkFailedAsync(destination, id, 8, null, "503 Service Unavailable", T0, ct));
}
