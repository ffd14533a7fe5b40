using System.Net;
using System.Net.Http.Json;
using Labeling.Adapters.Local.Inbox;
using Labeling.Adapters.Local.Sqlite;
using Labeling.Application.Ports;
using Labeling.Domain.Projects;
using Labeling.Server.Tests.Support;
using Labeling.TestSupport;
using Labeling.TestSupport.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Labeling.Server.Tests.Hosting;

/// <summary>A database that fails for a while costs the background loops a round each, never the server.</summary>
public sealed class StoreOutageTests
{
    [Fact]
    public async Task InboxScan_WhileTheProjectStoreFails_LogsAndRetries_AndTheServerKeepsRunning()
    {
        // The inbox scan let any failure but a file-system one out of its loop, and the host stops on a background
        // service's exception: one failed read of the project list (a busy or broken database) stopped the server.
        var logs = new LogCollector();
        FlakyProjectStore? flaky = null;
        using var server = new ServerFactory(
            new Dictionary<string, string?>
            {
                ["Labeling:CreateDemoProject"] = "false",
                [$"Logging:LogLevel:{typeof(InboxWatcher).FullName}"] = "Information",
            },
            services: services =>
            {
                services.AddSingleton<ILoggerProvider>(logs);
                services.AddSingleton<SqliteProjectStore>();
                services.AddSingleton<IProjectStore>(sp => flaky = new FlakyProjectStore(sp.GetRequiredService<SqliteProjectStore>()));
            });
        var admin = server.ClientAs("root", "Admin");
        await (await admin.PostAsJsonAsync("/api/projects", new
        {
            id = "outage",
            labels = new[] { new { name = "spam", description = "promotion" }, new { name = "ham", description = "real comment" } },
        })).ExpectAsync(HttpStatusCode.Created);
        var stopping = server.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;

        flaky!.Down = true;
        await Eventually.HoldsAsync(
            () =>
            {
                Assert.False(stopping.IsCancellationRequested, "the server stopped on a failed inbox scan");
                return flaky.FailedCalls >= 5;
            },
            TimeSpan.FromSeconds(30),
            "the inbox scan stopped scanning");

        Assert.False(stopping.IsCancellationRequested, "the server stopped on a failed inbox scan");
        // One warning for a failure that lasts five scans, not one a scan.
        Assert.Equal(LogLevel.Warning, Assert.Single(logs.Records, r => r.EventId.Id == 6103).Level);
        flaky.Down = false;
        var folder = Directory.CreateDirectory(Path.Combine(server.DataDirectory, "inbox", "outage")).FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "comments.csv"), "text\nPlease subscribe to my channel\nI love this song\n");
        await Api.WaitForWeakLabelingAsync(admin, "outage", 2);
        Assert.False(stopping.IsCancellationRequested);

        // The scan that queued the file logs its recovery just after the queueing, and the file's ingestion and weak
        // labeling can finish in between: wait for the record rather than race it.
        await Eventually.HoldsAsync(() => logs.Records.Any(r => r.EventId.Id == 6110), TimeSpan.FromSeconds(30), "the inbox scan never logged its recovery");
        Assert.Single(logs.Records, r => r.EventId.Id == 6110);
    }

    [Fact]
    public async Task InboxThatCannotBeWatched_IsScannedInstead_AndTheServerRuns()
    {
        // Where the inbox cannot be watched (here it is a file; on Linux also when the user's inotify instances run
        // out) the watcher threw before its first await, and the server did not start at all.
        var logs = new LogCollector();
        using var server = new ServerFactory(
            new Dictionary<string, string?> { ["Labeling:CreateDemoProject"] = "false" },
            services: services => services.AddSingleton<ILoggerProvider>(logs));
        Directory.CreateDirectory(server.DataDirectory);
        await File.WriteAllTextAsync(Path.Combine(server.DataDirectory, "inbox"), "not a folder");

        var admin = server.ClientAs("root", "Admin");
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/health")).StatusCode);
        await Eventually.HoldsAsync(() => logs.Records.Any(r => r.EventId.Id == 6103), TimeSpan.FromSeconds(30), "the inbox scan never reported the inbox it cannot read");

        var unwatched = Assert.Single(logs.Records, r => r.EventId.Id == 6109);
        Assert.Contains("Storage:InboxScanInterval", unwatched.Message, StringComparison.Ordinal);
        Assert.False(server.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
    }

    private sealed class FlakyProjectStore(IProjectStore inner) : IProjectStore
    {
        private int _failedCalls;

        public volatile bool Down;

        public int FailedCalls => Volatile.Read(ref _failedCalls);

        public Task<Project?> GetAsync(string projectId, CancellationToken cancellationToken) => inner.GetAsync(projectId, cancellationToken);

        public Task<IReadOnlyList<Project>> ListAsync(CancellationToken cancellationToken) =>
            Down ? Fail() : inner.ListAsync(cancellationToken);

        private Task<IReadOnlyList<Project>> Fail()
        {
            Interlocked.Increment(ref _failedCalls);
            throw new InvalidOperationException("the database is down");
        }

        public Task<bool> TryCreateAsync(Project project, CancellationToken cancellationToken) => inner.TryCreateAsync(project, cancellationToken);

        public Task<Project?> GetCurrentAsync(string projectId, CancellationToken cancellationToken) => inner.GetCurrentAsync(projectId, cancellationToken);

        public Task<bool> TryReplaceAsync(Project replacement, CancellationToken cancellationToken) => inner.TryReplaceAsync(replacement, cancellationToken);
    }
}
