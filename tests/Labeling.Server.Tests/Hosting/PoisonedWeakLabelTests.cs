using System.Net;
using Labeling.Adapters.Local.Sqlite;
using Labeling.Adapters.Local.Work;
using Labeling.Application.Work;
using Labeling.Server.Tests.Support;
using Microsoft.Extensions.Options;

namespace Labeling.Server.Tests.Hosting;

/// <summary>
/// A weak-label batch poisoned before a start: the start queues its items (still in weak labeling) again, and sets the
/// poisoned message aside. It stayed poisoned for good, and /health answered Degraded for ever with nothing for a person to do.
/// </summary>
public sealed class PoisonedWeakLabelTests : IDisposable
{
    private readonly ServerFactory _server = new(new Dictionary<string, string?> { ["Labeling:CreateDemoProject"] = "true" });

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Start_AfterAWeakLabelBatchWasPoisoned_IsHealthy()
    {
        var database = new SqliteDatabase(Path.Combine(_server.DataDirectory, "labeling.db"));
        await database.InitializeAsync(CancellationToken.None);
        var queue = new SqliteWorkQueue(database, TimeProvider.System, Options.Create(new WorkQueueOptions { MaxAttempts = 1, RetryDelay = TimeSpan.Zero }));
        await queue.EnqueueAsync(WorkQueues.WeakLabel, "{\"projectId\":\"demo\",\"itemIds\":[]}", "batch-1", CancellationToken.None);
        await queue.FailAsync(Assert.Single(await queue.ReceiveAsync(1, CancellationToken.None)), "SqliteException: disk I/O error", CancellationToken.None);
        Assert.Equal((0, 1), await queue.CountAsync(CancellationToken.None));
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var admin = _server.ClientAs("root", "Admin"); // starts the server

        var health = await admin.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());
        Assert.Equal((0, 0), await queue.CountAsync(CancellationToken.None));
    }
}
