using System.Net;
using System.Net.Http.Json;
using System.Text;
using Labeling.Application.Http;
using Labeling.Application.Ports;
using Labeling.Server.Tests.Support;
using Labeling.TestSupport.Logging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Labeling.Server.Tests.Http;

/// <summary>Every refused request leaves one log record saying who was refused what and why; accepted ones leave none.</summary>
public sealed class RefusalLogTests : IAsyncLifetime
{
    private const string Project = "refusals";
    private readonly LogCollector _logs = new();
    private readonly ServerFactory _server;

    public RefusalLogTests()
    {
        _server = new ServerFactory(
            new Dictionary<string, string?>
            {
                ["Labeling:CreateDemoProject"] = "false",
                [$"Logging:LogLevel:{typeof(RefusalLog).FullName}"] = "Information",
            },
            services: services => services.AddSingleton<ILoggerProvider>(_logs));
    }

    private HttpClient Admin => _server.ClientAs("root", "Admin");

    private IReadOnlyList<LogCollector.LogRecord> Refusals =>
        _logs.Records.Where(r => r.Category == typeof(RefusalLog).FullName).ToArray();

    public async Task InitializeAsync()
    {
        var created = await Admin.PostAsJsonAsync("/api/projects", new
        {
            id = Project,
            labels = new[] { new { name = "spam", description = "promotion" }, new { name = "ham", description = "real comment" } },
        });
        await created.ExpectAsync(HttpStatusCode.Created);
        var csv = Encoding.UTF8.GetBytes("text\nPlease subscribe to my channel\nI love this song\n");
        await (await Admin.PostAsync($"/api/projects/{Project}/documents", Api.File("comments.csv", csv))).ExpectAsync(HttpStatusCode.Created);
        await Api.WaitForWeakLabelingAsync(Admin, Project, 2);
    }

    public Task DisposeAsync()
    {
        _server.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task EachRefusal_IsLoggedOnce_WithStatusCallerAndReason()
    {
        var alice = _server.ClientAs("alice", "Labeler");
        var lease = (await (await alice.GetAsync($"/api/projects/{Project}/tasks/next")).ExpectAsync(HttpStatusCode.OK))["leaseId"]!.GetValue<string>();
        Assert.Empty(Refusals);

        using var other = new ServerFactory();
        var foreign = _server.CreateClient();
        foreign.DefaultRequestHeaders.Authorization = other.ClientAs("mallory", "Admin").DefaultRequestHeaders.Authorization;
        Assert.Equal(HttpStatusCode.Unauthorized, (await _server.CreateClient().GetAsync($"/api/projects/{Project}/tasks/next")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await foreign.GetAsync("/api/projects")).StatusCode);
        await (await alice.PostAsJsonAsync("/api/projects", new { id = "mine" })).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await _server.ClientAs("bob", "Labeler").VoteAsync(lease, new { label = "ham" })).ExpectProblemAsync(HttpStatusCode.Forbidden);
        var invalid = await (await alice.VoteAsync(lease, new { label = "SPAM" })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        await (await Admin.GetAsync("/api/projects/nope/progress")).ExpectProblemAsync(HttpStatusCode.NotFound);

        var records = Refusals;
        Assert.Equal(6, records.Count);
        AssertRecord(records[0], LogLevel.Warning, 9002, "GET", $"/api/projects/{Project}/tasks/next", 401, "anonymous", "no bearer token");
        AssertRecord(records[1], LogLevel.Warning, 9002, "GET", "/api/projects", 401, "anonymous", "invalid_token");
        AssertRecord(records[2], LogLevel.Warning, 9002, "POST", "/api/projects", 403, "alice", "needs the role Admin; the token carries the role(s) Labeler");
        AssertRecord(records[3], LogLevel.Warning, 9002, "POST", $"/api/tasks/{lease}/votes", 403, "bob", string.Empty);
        AssertRecord(records[4], LogLevel.Information, 9003, "POST", $"/api/tasks/{lease}/votes", 400, "alice", string.Empty);
        AssertRecord(records[5], LogLevel.Information, 9003, "GET", "/api/projects/nope/progress", 404, "root", string.Empty);
        Assert.All(records, r => Assert.False(string.IsNullOrEmpty(r.State["TraceId"] as string)));
        Assert.Equal(invalid["traceId"]!.GetValue<string>(), records[4].State["TraceId"]);
        Assert.All(records.Skip(3), r => Assert.NotEqual("-", r.State["Reason"]));

        // The lease survived all of it, and an accepted vote adds no record.
        await (await alice.VoteAsync(lease, new { label = "spam" })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(6, Refusals.Count);
    }

    [Fact]
    public async Task Refusals_NoHandlerDescribed_AreLoggedWithAReasonNotADash()
    {
        var alice = _server.ClientAs("alice", "Labeler");
        var lease = (await (await alice.GetAsync($"/api/projects/{Project}/tasks/next")).ExpectAsync(HttpStatusCode.OK))["leaseId"]!.GetValue<string>();

        // No PUT on a project (PATCH changes it, DELETE deletes it).
        await (await Admin.PutAsync($"/api/projects/{Project}", new StringContent("{}", Encoding.UTF8, "application/json"))).ExpectProblemAsync(HttpStatusCode.MethodNotAllowed);
        await (await alice.PostAsync($"/api/tasks/{lease}/votes", new StringContent("ham", Encoding.UTF8, "text/plain"))).ExpectProblemAsync(HttpStatusCode.UnsupportedMediaType);

        Assert.Equal(
            new[] { "the route does not take this method", "the body is not JSON" },
            Refusals.Select(r => r.State["Reason"] as string ?? "").ToArray());
    }

    [Fact]
    public async Task Refusal_OfAPathWithAnEncodedLineBreak_IsLoggedOnOneLine()
    {
        await (await Admin.GetAsync("/api/projects/a%0D%0Afake%20entry/progress")).ExpectProblemAsync(HttpStatusCode.NotFound);

        var record = Assert.Single(Refusals);
        Assert.DoesNotContain('\n', record.Message);
        Assert.DoesNotContain('\r', record.Message);
        Assert.Contains("%0D%0Afake", record.State["Path"] as string, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refusal_ForACallerWhoseSubjectHasALineBreakOrIsHuge_IsLoggedOnOneBoundedLine()
    {
        // The subject is whatever the token's issuer put there (a signed local token here).
        await (await _server.ClientAs("eve\r\nFAKE LOG LINE", "Labeler").GetAsync($"/api/projects/{Project}/progress")).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await _server.ClientAs(new string('m', 20_000), "Labeler").GetAsync($"/api/projects/{Project}/progress")).ExpectProblemAsync(HttpStatusCode.Forbidden);

        var records = Refusals;
        Assert.Equal(2, records.Count);
        Assert.Equal("eve\\u000d\\u000aFAKE LOG LINE", records[0].State["Caller"]);
        Assert.All(records, r => Assert.DoesNotContain('\n', r.Message));
        Assert.Equal($"{new string('m', RefusalLog.MaxLoggedPath)}… (20000 characters)", records[1].State["Caller"]);
    }

    [Fact]
    public async Task ACallerThatHangsUp_IsNotLoggedAsARefusal()
    {
        // ASP.NET Core answers 499 for a caller that went away; the refusal log listed it as a refusal (reason "-").
        var services = new ServiceCollection().AddSingleton<ILoggerFactory>(new LoggerFactory([_logs])).BuildServiceProvider();
        var app = new ApplicationBuilder(services);
        app.UseLabelingRefusalLog();
        app.Run(context =>
        {
            context.Response.StatusCode = context.Request.Path == "/gone" ? StatusCodes.Status499ClientClosedRequest : StatusCodes.Status409Conflict;
            return Task.CompletedTask;
        });
        var pipeline = app.Build();

        await pipeline(new DefaultHttpContext { RequestServices = services, Request = { Path = "/gone", Method = "POST" } });
        await pipeline(new DefaultHttpContext { RequestServices = services, Request = { Path = "/taken", Method = "POST" } });

        Assert.Equal(409, (int)Assert.Single(Refusals).State["Status"]!);
    }

    [Fact]
    public async Task Refusal_OfAVeryLongPath_LogsItsStartAndLength()
    {
        var path = "/api/" + string.Concat(Enumerable.Repeat("%0A", 2_600));

        Assert.Equal(HttpStatusCode.NotFound, (await Admin.GetAsync(path)).StatusCode);

        var logged = Assert.Single(Refusals).State["Path"] as string;
        Assert.Equal($"{path[..RefusalLog.MaxLoggedPath]}… ({path.Length} characters)", logged);
    }

    [Fact]
    public async Task UnexpectedError_TraceIdTheCallerQuotes_IsTheOneLogged()
    {
        var store = new BrokenProjectStore();
        using var failing = ServerOver(store);
        var admin = failing.ClientAs("root", "Admin");
        store.Down = true;

        var problem = await (await admin.GetAsync("/api/projects")).ExpectProblemAsync(HttpStatusCode.InternalServerError);

        var traceId = problem["traceId"]!.GetValue<string>();
        Assert.Contains($"quote trace id {traceId} when", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        var logged = Assert.Single(_logs.Records, r => r.EventId.Id == 9001);
        Assert.Equal(traceId, logged.State["TraceId"]);
        Assert.NotNull(logged.Exception);

        // The store still down: every 500 is a line of its own, but its stack trace is not repeated within the minute (a
        // full disk logged twenty lines of stack trace per failed request, 6,716 lines for 313 requests).
        var again = await (await admin.GetAsync("/api/projects")).ExpectProblemAsync(HttpStatusCode.InternalServerError);
        var repeated = _logs.Records.Where(r => r.EventId.Id == 9001).ToArray();
        Assert.Equal(2, repeated.Length);
        Assert.Equal(again["traceId"]!.GetValue<string>(), repeated[1].State["TraceId"]);
        Assert.Null(repeated[1].Exception);
        Assert.Contains($"whose line has the stack trace", repeated[1].Message, StringComparison.Ordinal);
        Assert.Contains($"trace {traceId},", repeated[1].Message, StringComparison.Ordinal);
        Assert.StartsWith("Unhandled error on GET /api/projects", repeated[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BusyDatabase_Is503WithRetryAfter_NotA500()
    {
        // SQLite's BUSY (another program holding the database past the busy timeout) was a 500, which tells a client nothing
        // it can do; it passes, and the answer says when to send the request again.
        var store = new BrokenProjectStore { Failure = new Microsoft.Data.Sqlite.SqliteException("SQLite Error 5: 'database is locked'.", 5) };
        using var failing = ServerOver(store);
        var admin = failing.ClientAs("root", "Admin");
        store.Down = true;

        var response = await admin.GetAsync("/api/projects");
        var problem = await response.ExpectProblemAsync(HttpStatusCode.ServiceUnavailable);

        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        Assert.Equal(1, problem["retryAfterSeconds"]!.GetValue<int>());
        Assert.Contains("Send the request again after 1 s", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Single(_logs.Records, r => r.EventId.Id == 9001);
    }

    [Fact]
    public async Task Refusal_OfAnUnknownRoute_SaysSo()
    {
        var response = await Admin.GetAsync("/api/no-such-thing");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var record = Assert.Single(Refusals);
        Assert.Equal("no such route", record.State["Reason"]);
    }

    // A server whose project store is the given one, logging to this test's collector.
    private ServerFactory ServerOver(IProjectStore store) => new(
        new Dictionary<string, string?> { ["Labeling:CreateDemoProject"] = "false" },
        services: services =>
        {
            services.AddSingleton<ILoggerProvider>(_logs);
            services.AddSingleton(store);
        });

    private sealed class BrokenProjectStore : IProjectStore
    {
        public bool Down { get; set; }

        public Exception Failure { get; init; } = new InvalidOperationException("the store is down");

        public Task<bool> TryCreateAsync(Domain.Projects.Project project, CancellationToken cancellationToken) => Task.FromResult(false);

        public Task<Domain.Projects.Project?> GetAsync(string projectId, CancellationToken cancellationToken) => Task.FromResult<Domain.Projects.Project?>(null);

        public Task<Domain.Projects.Project?> GetCurrentAsync(string projectId, CancellationToken cancellationToken) => Task.FromResult<Domain.Projects.Project?>(null);

        public Task<bool> TryReplaceAsync(Domain.Projects.Project replacement, CancellationToken cancellationToken) => Task.FromResult(false);

        public Task<IReadOnlyList<Domain.Projects.Project>> ListAsync(CancellationToken cancellationToken) =>
            Down ? throw Failure : Task.FromResult<IReadOnlyList<Domain.Projects.Project>>([]);
    }

    private static void AssertRecord(LogCollector.LogRecord record, LogLevel level, int eventId, string method, string path, int status, string caller, string reason)
    {
        Assert.Equal(level, record.Level);
        Assert.Equal(eventId, record.EventId.Id);
        Assert.Equal(method, record.State["Method"]);
        Assert.Equal(path, record.State["Path"]);
        Assert.Equal(status, record.State["Status"]);
        Assert.Equal(caller, record.State["Caller"]);
        Assert.False(string.IsNullOrEmpty(record.State["Client"] as string));
        Assert.Contains(reason, record.State["Reason"] as string, StringComparison.Ordinal);
    }
}
