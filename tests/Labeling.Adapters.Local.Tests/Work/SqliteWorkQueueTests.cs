using Labeling.Adapters.Local.Sqlite;
using Labeling.Adapters.Local.Work;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Labeling.Adapters.Local.Tests.Work;

public sealed class SqliteWorkQueueTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "labeling-queue-tests", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Receive_MessageNotCompleted_ReappearsAfterVisibilityTimeout()
    {
        var queue = Queue();
        await queue.EnqueueAsync("q", "{}", null, CancellationToken.None);

        var first = Assert.Single(await queue.ReceiveAsync(10, CancellationToken.None));
        Assert.Empty(await queue.ReceiveAsync(10, CancellationToken.None));
        _time.Advance(TimeSpan.FromSeconds(31));
        var again = Assert.Single(await queue.ReceiveAsync(10, CancellationToken.None));

        Assert.Equal(first.Id, again.Id);
        Assert.Equal(2, again.DequeueCount);
    }

    [Fact]
    public async Task Complete_WithStaleReceipt_DoesNotDeleteTheRedeliveredMessage()
    {
        var queue = Queue();
        await queue.EnqueueAsync("q", "{}", null, CancellationToken.None);
        var stale = Assert.Single(await queue.ReceiveAsync(10, CancellationToken.None));
        _time.Advance(TimeSpan.FromSeconds(31));
        var current = Assert.Single(await queue.ReceiveAsync(10, CancellationToken.None));

        await queue.CompleteAsync(stale, CancellationToken.None);
        Assert.Equal((1, 0), await queue.CountAsync(CancellationToken.None));
        await queue.CompleteAsync(current, CancellationToken.None);
        Assert.Equal((0, 0), await queue.CountAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Fail_AfterMaxAttempts_PoisonsTheMessage()
    {
        var queue = Queue();
        await queue.EnqueueAsync("q", "{}", null, CancellationToken.None);

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var message = Assert.Single(await queue.ReceiveAsync(10, CancellationToken.None));
            await queue.FailAsync(message, $"boom {attempt}", CancellationToken.None);
            _time.Advance(TimeSpan.FromSeconds(2));
        }

        Assert.Empty(await queue.ReceiveAsync(10, CancellationToken.None));
        Assert.Equal((0, 1), await queue.CountAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Receive_MessageThatCrashedTheProcessEveryTime_IsPoisonedInsteadOfLooping()
    {
        var queue = Queue();
        await queue.EnqueueAsync("q", "{}", null, CancellationToken.None);

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            Assert.Single(await queue.ReceiveAsync(10, CancellationToken.None));
            _time.Advance(TimeSpan.FromSeconds(31));
        }

        Assert.Empty(await queue.ReceiveAsync(10, CancellationToken.None));
        Assert.Equal((0, 1), await queue.CountAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Fail_WaitDoublesWithEachAttempt_UpToMaxRetryDelay()
    {
        // A fixed 2 s wait poisoned a message after five failures in about 8 s, however short-lived their cause.
        var queue = Queue(new WorkQueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(30), MaxAttempts = 10, RetryDelay = TimeSpan.FromSeconds(1), MaxRetryDelay = TimeSpan.FromSeconds(3) });
        await queue.EnqueueAsync("q", "{}", null, CancellationToken.None);

        foreach (var wait in new[] { 1, 2, 3, 3 })
        {
            await queue.FailAsync(Assert.Single(await queue.ReceiveAsync(10, CancellationToken.None)), "boom", CancellationToken.None);
            _time.Advance(TimeSpan.FromSeconds(wait) - TimeSpan.FromMilliseconds(1));
            Assert.Empty(await queue.ReceiveAsync(10, CancellationToken.None));
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(5, Assert.Single(await queue.ReceiveAsync(10, CancellationToken.None)).DequeueCount);
    }

    [Fact]
    public async Task Return_GivesTheAttemptBack_SoAFailureThatPassesNeverPoisons()
    {
        var queue = Queue();
        await queue.EnqueueAsync("q", "{}", null, CancellationToken.None);

        for (var time = 0; time < 10; time++)
        {
            var message = Assert.Single(await queue.ReceiveAsync(10, CancellationToken.None));
            Assert.Equal(1, message.DequeueCount);
            await queue.ReturnAsync(message, "SqliteException: database is locked", TimeSpan.FromSeconds(5), CancellationToken.None);
            _time.Advance(TimeSpan.FromSeconds(4));
            Assert.Empty(await queue.ReceiveAsync(10, CancellationToken.None));
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal((1, 0), await queue.CountAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Return_KeepsNoError_SoACrashLaterIsPoisonedAsOne()
    {
        // The return's reason was kept as the last error: a file given back once at a stop and then crashing the server each
        // time was set aside as "failed" instead of as one that stopped the server each time.
        var queue = Queue();
        await queue.EnqueueAsync("q", "{}", "file:a.csv", CancellationToken.None);
        await queue.ReturnAsync(Assert.Single(await queue.ReceiveAsync(10, CancellationToken.None)), "The server stopped while this message was being handled.", TimeSpan.Zero, CancellationToken.None);

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            Assert.Single(await queue.ReceiveAsync(10, CancellationToken.None));
            _time.Advance(TimeSpan.FromSeconds(31));
        }

        Assert.Empty(await queue.ReceiveAsync(10, CancellationToken.None));
        Assert.Equal((3, SqliteWorkQueue.ReceivedWithoutCompleting), await queue.FindPoisonedAsync("file:a.csv", CancellationToken.None));
    }

    [Fact]
    public async Task Poisoning_IsLogged_ByFailureAndByReceivesWithoutCompleting()
    {
        var logs = new Labeling.TestSupport.Logging.LogCollector();
        using var factory = new Microsoft.Extensions.Logging.LoggerFactory([logs]);
        var queue = Queue(logger: Microsoft.Extensions.Logging.LoggerFactoryExtensions.CreateLogger<SqliteWorkQueue>(factory));
        await queue.EnqueueAsync("fails", "{}", null, CancellationToken.None);
        await queue.EnqueueAsync("crashes", "{}", null, CancellationToken.None);

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            foreach (var message in await queue.ReceiveAsync(10, CancellationToken.None))
            {
                if (message.Queue == "fails") await queue.FailAsync(message, "the file is damaged", CancellationToken.None);
            }

            _time.Advance(TimeSpan.FromSeconds(31));
        }

        Assert.Empty(await queue.ReceiveAsync(10, CancellationToken.None));
        var poisoned = logs.Records.Where(r => r.EventId.Id == 7107).Select(r => r.Message).ToList();
        Assert.Equal(2, poisoned.Count);
        Assert.Contains(poisoned, m => m.Contains("queue fails is poisoned after 3 attempts", StringComparison.Ordinal) && m.EndsWith("the file is damaged", StringComparison.Ordinal));
        Assert.Contains(poisoned, m => m.Contains("queue crashes is poisoned after 3 attempts", StringComparison.Ordinal) && m.EndsWith(SqliteWorkQueue.ReceivedWithoutCompleting, StringComparison.Ordinal));
    }

    [Fact]
    public async Task SetAsidePoisoned_TakesThatQueuesPoisonedMessagesOutOfTheCount()
    {
        var queue = Queue();
        await queue.EnqueueAsync("weak-label", "{}", "batch-1", CancellationToken.None);
        await queue.EnqueueAsync("ingest", "{}", "file-1", CancellationToken.None);
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            foreach (var message in await queue.ReceiveAsync(10, CancellationToken.None)) await queue.FailAsync(message, "boom", CancellationToken.None);
            _time.Advance(TimeSpan.FromSeconds(31));
        }

        Assert.Equal((0, 2), await queue.CountAsync(CancellationToken.None));
        Assert.Equal(1, await queue.SetAsidePoisonedAsync("weak-label", CancellationToken.None));

        Assert.Equal((0, 1), await queue.CountAsync(CancellationToken.None));
        Assert.Null(await queue.FindPoisonedAsync("batch-1", CancellationToken.None));
        Assert.NotNull(await queue.FindPoisonedAsync("file-1", CancellationToken.None));
    }

    [Fact]
    public async Task Enqueue_SameDedupKeyWhileWaiting_AddsOneMessage()
    {
        var queue = Queue();

        await queue.EnqueueAsync("q", "{\"a\":1}", "file:a.csv", CancellationToken.None);
        await queue.EnqueueAsync("q", "{\"a\":1}", "file:a.csv", CancellationToken.None);

        Assert.Single(await queue.ReceiveAsync(10, CancellationToken.None));
    }

    [Fact]
    public async Task Receive_ALaterProjectsWork_IsServedInTurnNotAfterTheWholeOfAnEarlierProjects()
    {
        // One queue served oldest first: a project's file of 500,000 items (3,900 batches) held up another's next file
        // until it was through.
        var queue = Queue();
        for (var batch = 1; batch <= 6; batch++)
        {
            await queue.EnqueueAsync("label-requests", $"big-{batch}", $"big:{batch}", "big", CancellationToken.None);
        }

        var served = new List<string> { await TakeAsync(queue) };
        await queue.EnqueueAsync("ingest-document", "small-file", "small:file", "small", CancellationToken.None);
        await queue.EnqueueAsync("label-requests", "small-1", "small:1", "small", CancellationToken.None);
        await queue.EnqueueAsync("label-requests", "small-2", "small:2", "small", CancellationToken.None);
        await queue.EnqueueAsync("label-requests", "other-1", null, null, CancellationToken.None);
        while (await queue.CountAsync(CancellationToken.None) is ( > 0, _))
        {
            served.Add(await TakeAsync(queue));
        }

        // Each share in turn, each in the order it queued; at a tie the message queued first.
        Assert.Equal(["big-1", "big-2", "small-file", "other-1", "big-3", "small-1", "big-4", "small-2", "big-5", "big-6"], served);
    }

    [Fact]
    public async Task Receive_AShareThatWaitedIdle_TakesTheNextTurnNotTheTurnsItMissed()
    {
        // A share's turns follow the last turn served, so a project idle while another worked gets no run of its own on
        // coming back, and one whose own messages are done starts again from the clock.
        var queue = Queue();
        await queue.EnqueueAsync("q", "a-1", null, "a", CancellationToken.None);
        await queue.EnqueueAsync("q", "a-2", null, "a", CancellationToken.None);
        await queue.EnqueueAsync("q", "a-3", null, "a", CancellationToken.None);
        Assert.Equal("a-1", await TakeAsync(queue));
        Assert.Equal("a-2", await TakeAsync(queue));
        await queue.EnqueueAsync("q", "b-1", null, "b", CancellationToken.None);
        await queue.EnqueueAsync("q", "b-2", null, "b", CancellationToken.None);
        await queue.EnqueueAsync("q", "a-4", null, "a", CancellationToken.None);

        // Turns 1 and 2 would have let b run twice before a-3; at a tie the message queued first.
        Assert.Equal(["a-3", "b-1", "b-2", "a-4"], [await TakeAsync(queue), await TakeAsync(queue), await TakeAsync(queue), await TakeAsync(queue)]);
    }

    [Fact]
    public async Task Receive_AFailedMessage_KeepsItsTurnAndIsServedFirstOnceDueAgain()
    {
        var queue = Queue();
        await queue.EnqueueAsync("q", "first", null, "a", CancellationToken.None);
        await queue.EnqueueAsync("q", "second", null, "a", CancellationToken.None);
        await queue.EnqueueAsync("q", "third", null, "a", CancellationToken.None);
        await queue.FailAsync(Assert.Single(await queue.ReceiveAsync(1, CancellationToken.None)), "boom", CancellationToken.None);

        Assert.Equal("second", await TakeAsync(queue));
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("first", await TakeAsync(queue));
        Assert.Equal("third", await TakeAsync(queue));
    }

    [Fact]
    public async Task Messages_SurviveAReopenedDatabase()
    {
        await Queue().EnqueueAsync("q", "{\"keep\":true}", null, CancellationToken.None);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var message = Assert.Single(await Queue().ReceiveAsync(10, CancellationToken.None));

        Assert.Equal("{\"keep\":true}", message.Payload);
    }

    private static async Task<string> TakeAsync(SqliteWorkQueue queue)
    {
        var message = Assert.Single(await queue.ReceiveAsync(1, CancellationToken.None));
        await queue.CompleteAsync(message, CancellationToken.None);
        return message.Payload;
    }

    private SqliteWorkQueue Queue(WorkQueueOptions? options = null, Microsoft.Extensions.Logging.ILogger<SqliteWorkQueue>? logger = null) => new(
        new SqliteDatabase(Path.Combine(_folder, "labeling.db")),
        _time,
        Options.Create(options ?? new WorkQueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(30), MaxAttempts = 3, RetryDelay = TimeSpan.FromSeconds(1) }),
        logger);
}
