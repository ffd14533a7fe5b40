using System.Net;
using System.Net.Http.Json;
using System.Text;
using Labeling.Application.Ports;
using Labeling.Application.Projects;
using Labeling.Server.Tests.Support;
using Labeling.TestSupport.Logging;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Labeling.Server.Tests.Http;

/// <summary>
/// <c>DELETE /api/projects/{id}</c> (Admin): the project is gone from every route at once, its rows are purged, a second
/// delete is 404, the id is not used again, and other projects are untouched.
/// </summary>
public sealed class ProjectDeletionTests : IDisposable
{
    private readonly LogCollector _logs = new();
    private readonly ServerFactory _server;

    public ProjectDeletionTests()
    {
        _server = new ServerFactory(
            new Dictionary<string, string?>
            {
                ["Labeling:CreateDemoProject"] = "false",
                [$"Logging:LogLevel:{typeof(ProjectDeletion).FullName}"] = "Information",
            },
            services: services => services.AddSingleton<ILoggerProvider>(_logs));
    }

    public void Dispose() => _server.Dispose();

    private HttpClient Admin => _server.ClientAs("root", "Admin");

    [Fact]
    public async Task Delete_ProjectWithVotesAndAnOpenLease_IsGoneFromEveryRoute_ItsRowsPurged_OthersKept()
    {
        await CreateAsync("doomed");
        await CreateAsync("kept");
        await UploadAsync("doomed", "text\nfirst comment\nsecond comment\nthird comment\n", 3);
        await UploadAsync("kept", "text\nanother comment\n", 1);
        var alice = _server.ClientAs("alice", "Labeler");
        var first = await (await alice.GetAsync("/api/projects/doomed/tasks/next")).ExpectAsync(HttpStatusCode.OK);
        await (await alice.VoteAsync(first["leaseId"]!.GetValue<string>(), new { label = "spam" })).ExpectAsync(HttpStatusCode.OK);
        var bob = _server.ClientAs("bob", "Labeler");
        var held = await (await bob.GetAsync("/api/projects/doomed/tasks/next")).ExpectAsync(HttpStatusCode.OK);
        // A re-fit leaves the project's class counts beside its labelers' statistics.
        await (await Admin.PostAsync("/api/projects/doomed/refit", null)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM class_counts WHERE project_id = 'doomed'"));
        Assert.Single(Directory.GetFiles(Path.Combine(_server.DataDirectory, "processed", "doomed")));
        Assert.Single(Directory.GetFiles(Path.Combine(_server.DataDirectory, "reports", "drift", "doomed")));

        var response = await Admin.DeleteAsync("/api/projects/doomed");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await (await Admin.GetAsync("/api/projects/doomed")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await Admin.GetAsync("/api/projects/doomed/progress")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await Admin.GetAsync("/api/projects/doomed/export")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await alice.GetAsync("/api/projects/doomed/tasks/next")).ExpectProblemAsync(HttpStatusCode.NotFound);
        // Bob's lease, taken before the delete, no longer takes a vote.
        await (await bob.VoteAsync(held["leaseId"]!.GetValue<string>(), new { label = "ham" })).ExpectProblemAsync(HttpStatusCode.NotFound);
        var listed = await (await Admin.GetAsync("/api/projects")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["kept"], listed.AsArray().Select(p => p!["id"]!.GetValue<string>()));
        await (await Admin.GetAsync("/api/projects/kept/progress")).ExpectAsync(HttpStatusCode.OK);

        // Nothing of it is left in the database but the row that keeps its id taken.
        foreach (var table in new[] { "items", "votes", "leases", "documents", "labelers", "project_counters", "class_counts", "pool_entries" })
        {
            Assert.True(0 == await CountAsync($"SELECT COUNT(*) FROM {table} WHERE project_id = 'doomed'"), $"{table} still holds rows of the deleted project");
        }

        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM items WHERE project_id = 'kept'"));
        // Its files too (the uploaded document's copy, its inbox folder and the re-fit's drift report); the other's stay.
        foreach (var folder in new[] { "inbox", "uploads", "processed", "quarantine", Path.Combine("reports", "drift") })
        {
            Assert.False(Directory.Exists(Path.Combine(_server.DataDirectory, folder, "doomed")), $"{folder}/doomed is still there");
        }

        Assert.Single(Directory.GetFiles(Path.Combine(_server.DataDirectory, "processed", "kept")));
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM projects WHERE id = 'doomed' AND deleted_at IS NOT NULL AND purged_at IS NOT NULL"));
        Assert.Contains(_logs.Records, r => r.EventId.Id == 4402 && r.Message.Contains("root", StringComparison.Ordinal));
        Assert.Contains(_logs.Records, r => r.EventId.Id == 4404 && r.Message.Contains("3 items", StringComparison.Ordinal) && r.Message.Contains("2 files", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Delete_Twice_SecondIs404_AndTheIdCannotBeCreatedAgain()
    {
        await CreateAsync("once");

        Assert.Equal(HttpStatusCode.NoContent, (await Admin.DeleteAsync("/api/projects/once")).StatusCode);
        var again = await (await Admin.DeleteAsync("/api/projects/once")).ExpectProblemAsync(HttpStatusCode.NotFound);
        var recreate = await (await PostProjectAsync("once")).ExpectProblemAsync(HttpStatusCode.Conflict);

        Assert.Contains("There is no project 'once'", again["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("was deleted", recreate["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        await (await Admin.DeleteAsync("/api/projects/never-was")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_WithIfMatch_OfAnOlderVersion_Is412AndKeepsTheProject()
    {
        await CreateAsync("guarded");
        await (await Admin.PatchAsync("/api/projects/guarded", JsonContent.Create(new { name = "Renamed" }))).ExpectAsync(HttpStatusCode.OK);

        var stale = await (await DeleteAsync("guarded", "\"1\"")).ExpectProblemAsync(HttpStatusCode.PreconditionFailed);
        await (await Admin.GetAsync("/api/projects/guarded")).ExpectAsync(HttpStatusCode.OK);
        var bad = await (await DeleteAsync("guarded", "1")).ExpectProblemAsync(HttpStatusCode.BadRequest);
        var current = await DeleteAsync("guarded", "\"2\"");

        Assert.Equal(2, stale["version"]!.GetValue<int>());
        Assert.Contains("If-Match", bad["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, current.StatusCode);
    }

    [Theory]
    [InlineData("Reviewer")]
    [InlineData("Labeler")]
    public async Task Delete_WithoutTheAdminRole_Is403AndKeepsTheProject(string role)
    {
        await CreateAsync("safe");

        await (await _server.ClientAs("someone", role).DeleteAsync("/api/projects/safe")).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await _server.CreateClient().DeleteAsync("/api/projects/safe")).ExpectProblemAsync(HttpStatusCode.Unauthorized);

        await (await Admin.GetAsync("/api/projects/safe")).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Delete_OutOfItsTime_Is202_AndTheBackgroundPurgesTheRest()
    {
        // A purge longer than the request may take (Deletion:RequestTime; here none at all) is handed over.
        using var server = new ServerFactory(
            new Dictionary<string, string?>
            {
                ["Labeling:CreateDemoProject"] = "false",
                ["Deletion:RequestTime"] = "00:00:00",
                [$"Logging:LogLevel:{typeof(ProjectDeletion).FullName}"] = "Information",
            },
            services: services => services.AddSingleton<ILoggerProvider>(_logs));
        var admin = server.ClientAs("root", "Admin");
        await (await admin.PostAsJsonAsync("/api/projects", new { id = "large", labels = new[] { new { name = "spam" }, new { name = "ham" } } })).ExpectAsync(HttpStatusCode.Created);
        await (await admin.PostAsync("/api/projects/large/documents", Api.File("comments.csv", Encoding.UTF8.GetBytes("text\none\ntwo\n")))).ExpectAsync(HttpStatusCode.Created);
        await Api.WaitForWeakLabelingAsync(admin, "large", 2);

        var accepted = await (await admin.DeleteAsync("/api/projects/large")).ExpectAsync(HttpStatusCode.Accepted);

        Assert.Equal("large", accepted["projectId"]!.GetValue<string>());
        Assert.Equal(0, accepted["itemsPurged"]!.GetValue<long>());
        Assert.Contains("purged in the background", accepted["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        await (await admin.GetAsync("/api/projects/large")).ExpectProblemAsync(HttpStatusCode.NotFound);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await CountAsync(server, "SELECT COUNT(*) FROM projects WHERE id = 'large' AND purged_at IS NOT NULL") == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the background did not finish the purge within 30 s");
            await Task.Delay(50);
        }

        Assert.Equal(0, await CountAsync(server, "SELECT COUNT(*) FROM items WHERE project_id = 'large'"));
        Assert.Contains(_logs.Records, r => r.EventId.Id == 4406);
        Assert.Contains(_logs.Records, r => r.EventId.Id == 4404 && r.Message.Contains("2 items", StringComparison.Ordinal));
        await (await admin.DeleteAsync("/api/projects/large")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Start_WithADeletionWhosePurgeFails_StartsAnyway_AndTheBackgroundFinishesItOnceItCan()
    {
        using var data = new TempFolder();
        var files = new BrokenFiles();
        var settings = new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = data.Path,
            ["Labeling:CreateDemoProject"] = "false",
            ["Deletion:RetryInterval"] = "00:00:01",
        };
        using (var first = new ServerFactory(settings, services: services => services.AddSingleton<IProjectFiles>(files)))
        {
            var admin = first.ClientAs("root", "Admin");
            await (await admin.PostAsJsonAsync("/api/projects", new { id = "stuck", labels = new[] { new { name = "spam" }, new { name = "ham" } } })).ExpectAsync(HttpStatusCode.Created);
            Assert.False((await admin.DeleteAsync("/api/projects/stuck")).IsSuccessStatusCode);
        }

        // The next start meets the deletion the last run left, and its files still cannot be deleted.
        using var second = new ServerFactory(settings, services: services => services.AddSingleton<IProjectFiles>(files));
        var restarted = second.ClientAs("root", "Admin");
        await (await restarted.GetAsync("/api/projects/stuck")).ExpectProblemAsync(HttpStatusCode.NotFound);
        files.Broken = false;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await CountAsync(Path.Combine(data.Path, "labeling.db"), "SELECT COUNT(*) FROM projects WHERE id = 'stuck' AND purged_at IS NOT NULL") == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the background did not finish the purge within 30 s");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task BackgroundPurge_FailingRoundAfterRound_LogsTheFailureOnce_AndTheRecovery()
    {
        var files = new BrokenFiles();
        using var server = new ServerFactory(
            new Dictionary<string, string?>
            {
                ["Labeling:CreateDemoProject"] = "false",
                ["Deletion:RetryInterval"] = "00:00:01",
                [$"Logging:LogLevel:{typeof(Labeling.Adapters.Local.Hosting.PendingDeletionService).FullName}"] = "Information",
            },
            services: services => services.AddSingleton<IProjectFiles>(files).AddSingleton<ILoggerProvider>(_logs));
        var admin = server.ClientAs("root", "Admin");
        await (await admin.PostAsJsonAsync("/api/projects", new { id = "stuck", labels = new[] { new { name = "spam" }, new { name = "ham" } } })).ExpectAsync(HttpStatusCode.Created);
        Assert.False((await admin.DeleteAsync("/api/projects/stuck")).IsSuccessStatusCode);

        // The request's attempt and three rounds of the background, a second apart.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (files.Attempts < 4)
        {
            Assert.True(DateTime.UtcNow < deadline, "the background did not try the purge again within 30 s");
            await Task.Delay(50);
        }

        files.Broken = false;
        while (await CountAsync(server, "SELECT COUNT(*) FROM projects WHERE id = 'stuck' AND purged_at IS NOT NULL") == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the background did not finish the purge within 30 s");
            await Task.Delay(50);
        }

        Assert.Single(_logs.Records, r => r.EventId.Id == 4407);
        deadline = DateTime.UtcNow.AddSeconds(30);
        while (!_logs.Records.Any(r => r.EventId.Id == 4408))
        {
            Assert.True(DateTime.UtcNow < deadline, "the recovery was not logged within 30 s");
            await Task.Delay(50);
        }
    }

    private Task<long> CountAsync(string sql) => CountAsync(_server, sql);

    private static Task<long> CountAsync(ServerFactory server, string sql) => CountAsync(Path.Combine(server.DataDirectory, "labeling.db"), sql);

    private static async Task<long> CountAsync(string database, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private Task<HttpResponseMessage> DeleteAsync(string id, string ifMatch)
    {
        var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/projects/{id}");
        request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return Admin.SendAsync(request);
    }

    private Task<HttpResponseMessage> PostProjectAsync(string id) =>
        Admin.PostAsJsonAsync("/api/projects", new { id, labels = new[] { new { name = "spam" }, new { name = "ham" } } });

    private async Task CreateAsync(string id) => await (await PostProjectAsync(id)).ExpectAsync(HttpStatusCode.Created);

    private async Task UploadAsync(string id, string csv, int items)
    {
        await (await Admin.PostAsync($"/api/projects/{id}/documents", Api.File("comments.csv", Encoding.UTF8.GetBytes(csv)))).ExpectAsync(HttpStatusCode.Created);
        await Api.WaitForWeakLabelingAsync(Admin, id, items);
    }

    // Project files the server may not delete (a folder another user owns), until the test says otherwise.
    private sealed class BrokenFiles : IProjectFiles
    {
        private volatile bool _broken = true;
        private int _attempts;

        public bool Broken { get => _broken; set => _broken = value; }

        public int Attempts => Volatile.Read(ref _attempts);

        public Task<int> DeleteAsync(string projectId, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _attempts);
            return Broken ? throw new UnauthorizedAccessException($"Access to the path 'quarantine/{projectId}/sub' is denied.") : Task.FromResult(0);
        }
    }
}
