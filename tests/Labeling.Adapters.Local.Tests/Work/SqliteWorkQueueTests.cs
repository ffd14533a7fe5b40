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
    public async Task Enqueue_SameDedupKeyWhileWaiting_AddsOneMessage()
    {
        var queue = Queue();

        await queue.EnqueueAsync("q", "{\"a\":1}", "file:a.csv", CancellationToken.None);
        await queue.EnqueueAsync("q", "{\"a\":1}", "file:a.csv", CancellationToken.None);

        Assert.Single(await queue.ReceiveAsync(10, CancellationToken.None));
    }

    [Fact]
    public async Task Messages_SurviveAReopenedDatabase()
    {
        await Queue().EnqueueAsync("q", "{\"keep\":true}", null, CancellationToken.None);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var message = Assert.Single(await Queue().ReceiveAsync(10, CancellationToken.None));

        Assert.Equal("{\"keep\":true}", message.Payload);
    }

    private SqliteWorkQueue Queue() => new(
        new SqliteDatabase(Path.Combine(_folder, "labeling.db")),
        _time,
        Options.Create(new WorkQueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(30), MaxAttempts = 3, RetryDelay = TimeSpan.FromSeconds(1) }));
}
