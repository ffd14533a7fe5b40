using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Labeling.Application.Http;
using Labeling.Application.Ports;
using Labeling.Application.Projects;
using Labeling.Functions.Tests.Hosting;
using Labeling.TestSupport.Emulators;
using Labeling.TestSupport.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace Labeling.Functions.Tests.Http;

/// <summary>
/// The <c>Api</c> trigger's pipeline (Microsoft.Identity.Web JWT bearer, role policies, routing, problem
/// details, the application's endpoints) on the Azure adapters, with tokens from a local signing key.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class ApiAuthorizationTests(AzuriteFixture azurite, CosmosEmulatorFixture cosmos) : IAsyncLifetime
{
    private readonly LogCollector _logs = new();
    private FunctionsTestHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await FunctionsTestHost.StartAsync(
            azurite, cosmos, new Dictionary<string, string?> { [$"Logging:LogLevel:{typeof(RefusalLog).FullName}"] = "Information" }, _logs);
        await _host.Services.GetRequiredService<IProjectStore>().TryCreateAsync(DemoProject.Create(DateTimeOffset.UtcNow), CancellationToken.None);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Api_NoToken_Returns401WithABearerChallenge()
    {
        using var client = _host.Client(null);

        var response = await client.GetAsync("/api/projects");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Fact]
    public async Task Api_PathMatchingNoRoute_NeedsATokenWithARole_BeforeItIsAnswered404()
    {
        // The application's fallback policy: a path (or a route added without a policy) needs what any API route needs.
        using var anonymous = _host.Client(null);
        using var labeler = _host.Client(_host.Tokens.Mint("bob", "Labeler"));

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/no-such-thing")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await labeler.GetAsync("/api/no-such-thing")).StatusCode);
    }

    [Fact]
    public async Task Api_RefusedAccess_AnswersProblemDetailsThatSayWhatToChange()
    {
        using var anonymous = _host.Client(null);
        using var expired = _host.Client(TestTokens.Mint("alice", ["Admin"], _host.Tokens.Key, TimeSpan.FromMinutes(-10)));
        using var labeler = _host.Client(_host.Tokens.Mint("bob", "Labeler"));

        var none = await Problem(await anonymous.GetAsync("/api/projects"), HttpStatusCode.Unauthorized);
        var stale = await Problem(await expired.GetAsync("/api/projects"), HttpStatusCode.Unauthorized);
        var role = await Problem(await labeler.GetAsync("/api/projects/demo/progress"), HttpStatusCode.Forbidden);

        Assert.Contains("no bearer token", none, StringComparison.Ordinal);
        Assert.Contains("The bearer token was refused (invalid_token)", stale, StringComparison.Ordinal);
        Assert.Contains("token lifetime is invalid", stale, StringComparison.Ordinal);
        Assert.Equal("This route needs the role Reviewer or Admin; the token carries the role(s) Labeler.", role);

        static async Task<string> Problem(HttpResponseMessage response, HttpStatusCode status)
        {
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>();
            Assert.Equal((int)status, problem!["status"]!.GetValue<int>());
            return problem["detail"]!.GetValue<string>();
        }
    }

    [Fact]
    public async Task Api_ValidTokenWithoutAppRoles_Returns403SayingItCarriesNoRole()
    {
        // A user of the tenant who was assigned no app role: Microsoft.Identity.Web refused it as a 401 that gave no reason.
        using var client = _host.Client(_host.Tokens.Mint("carol"));

        var response = await client.GetAsync("/api/projects");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>();
        Assert.Contains("the token carries no role", problem!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_TokenSignedByAnotherKey_Returns401()
    {
        var forged = TestTokens.Mint("mallory", ["Admin"], new RsaSecurityKey(RSA.Create(2048)) { KeyId = "test-key" }, TimeSpan.FromHours(1));
        using var client = _host.Client(forged);

        var response = await client.GetAsync("/api/projects");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Api_TokenWithALongNonAsciiIssuer_Is401WithAShortHeaderSafeChallenge_AsOnTheLocalServer()
    {
        // The challenge quotes the issuer: a non-ASCII character made the header invalid (a 500), and 20,000 characters went
        // into header, body and log on every request. The local server cleaned it; the Functions app did not.
        var issuer = TestTokens.Issuer + "/é\u202e" + new string('x', 20_000);
        using var client = _host.Client(TestTokens.Mint("mallory", ["Admin"], _host.Tokens.Key, TimeSpan.FromHours(1), issuer: issuer));

        var response = await client.GetAsync("/api/projects");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = string.Join(", ", response.Headers.GetValues("WWW-Authenticate"));
        Assert.InRange(challenge.Length, 1, 1_000);
        Assert.All(challenge, c => Assert.InRange(c, ' ', '~'));
    }

    [Fact]
    public async Task Api_ExpiredToken_Returns401()
    {
        var expired = TestTokens.Mint("alice", ["Admin"], _host.Tokens.Key, TimeSpan.FromMinutes(-10));
        using var client = _host.Client(expired);

        var response = await client.GetAsync("/api/projects");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Api_DelegatedTokenWithScopesButNoAppRole_Returns403SayingItCarriesNoRole()
    {
        // A user signed in to a client app that asked for a scope of the API: the scope alone grants nothing here.
        using var client = _host.Client(_host.Tokens.MintWithScopes("alice", "user_impersonation"));

        var response = await client.GetAsync("/api/projects");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>();
        Assert.Contains("the token carries no role", problem!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "/api/projects/demo/progress", "Labeler", HttpStatusCode.Forbidden)]
    [InlineData("GET", "/api/projects/demo/progress", "Reviewer", HttpStatusCode.OK)]
    [InlineData("GET", "/api/projects/demo/progress", "Admin", HttpStatusCode.OK)]
    [InlineData("GET", "/api/projects/demo/items", "Labeler", HttpStatusCode.Forbidden)]
    [InlineData("GET", "/api/projects/demo/items", "Reviewer", HttpStatusCode.OK)]
    [InlineData("GET", "/api/projects/demo/labelers", "Labeler", HttpStatusCode.Forbidden)]
    [InlineData("GET", "/api/projects/demo/labelers?kind=rule", "Reviewer", HttpStatusCode.OK)]
    [InlineData("GET", "/api/projects/demo/tasks/next", "Reviewer", HttpStatusCode.Forbidden)]
    [InlineData("GET", "/api/projects/demo/tasks/next", "Admin", HttpStatusCode.Forbidden)]
    [InlineData("GET", "/api/projects/demo/tasks/next", "Labeler", HttpStatusCode.NoContent)]
    [InlineData("GET", "/api/workers/me", "Labeler", HttpStatusCode.OK)]
    [InlineData("POST", "/api/projects", "Reviewer", HttpStatusCode.Forbidden)]
    [InlineData("POST", "/api/projects", "Labeler", HttpStatusCode.Forbidden)]
    [InlineData("POST", "/api/projects", "Admin", HttpStatusCode.Created)]
    [InlineData("GET", "/api/projects", "Labeler", HttpStatusCode.OK)]
    [InlineData("POST", "/api/projects/demo/refit", "Reviewer", HttpStatusCode.Forbidden)]
    [InlineData("DELETE", "/api/projects/demo", "Reviewer", HttpStatusCode.Forbidden)]
    [InlineData("DELETE", "/api/projects/demo", "Labeler", HttpStatusCode.Forbidden)]
    [InlineData("DELETE", "/api/projects/no-such-project", "Admin", HttpStatusCode.NotFound)]
    [InlineData("POST", "/api/projects/no-such-project/refit", "Admin", HttpStatusCode.NotFound)]
    [InlineData("POST", "/api/events/dead-letters/redeliver", "Reviewer", HttpStatusCode.Forbidden)]
    [InlineData("POST", "/api/events/dead-letters/redeliver?destination=webhook:ml", "Admin", HttpStatusCode.BadRequest)]
    public async Task Api_RoleAgainstEndpoint_IsAllowedOnlyWithTheRightRole(string method, string path, string role, HttpStatusCode expected)
    {
        using var client = _host.Client(_host.Tokens.Mint($"user-{role.ToLowerInvariant()}", role));
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = JsonContent.Create(new { id = "p-" + Guid.NewGuid().ToString("N")[..8], labels = new[] { new { name = "spam" }, new { name = "ham" } } });
        }

        var response = await client.SendAsync(request);

        Assert.True(expected == response.StatusCode, $"{method} {path} as {role}: expected {(int)expected}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task Api_RedeliverDeadLetters_AsAdmin_RequeuesTheServiceBusDeadLettersInCosmos()
    {
        const string bus = "servicebus:label-events";
        var outbox = _host.Services.GetRequiredService<IEventOutbox>();
        var evt = new OutboxEvent("itm_dl-r2", "demo", "itm_dl", "label.ready", "{}", DateTimeOffset.UtcNow);
        await _host.Services.GetRequiredService<IItemStore>().CommitAsync(new ItemCommit("demo") { Events = [evt] }, CancellationToken.None);
        await outbox.MarkFailedAsync(bus, evt.Id, 8, null, "the topic is disabled", DateTimeOffset.UtcNow, CancellationToken.None);
        using var admin = _host.Client(_host.Tokens.Mint("root", "Admin"));

        var response = await admin.PostAsync($"/api/events/dead-letters/redeliver?destination={bus}", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>();
        Assert.Equal(1, answer!["requeued"]!.GetValue<int>());
        Assert.Empty(await outbox.ListDeadLettersAsync(10, CancellationToken.None));
        var due = Assert.Single(await outbox.ReadDueAsync(bus, DateTimeOffset.UtcNow.AddSeconds(1), 10, CancellationToken.None));
        Assert.Equal((evt.Id, 0), (due.Event.Id, due.Attempts));
    }

    [Theory]
    [InlineData("GET", "/api/projects/a%5Cb", "Reviewer")]
    [InlineData("GET", "/api/projects/demo/items/itm_a%5Cb", "Reviewer")]
    [InlineData("GET", "/api/projects/demo/documents/a%5Cb", "Reviewer")]
    [InlineData("GET", "/api/projects/a%5Cb/tasks/next", "Labeler")]
    [InlineData("POST", "/api/tasks/a%5Cb/votes", "Labeler")]
    public async Task Api_IdWithACharacterCosmosForbids_Is404AsOnTheLocalServer_NotAnUnhandled500(string method, string path, string role)
    {
        // No stored id holds '\', but the SDK put the id from the path into its request as it was, where '\' became '/':
        // any caller with a role made the API answer 500 and log an unhandled error (event 9001, the HTTP alert's count).
        using var client = _host.Client(_host.Tokens.Mint($"user-{role.ToLowerInvariant()}", role));
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = JsonContent.Create(new { label = "spam" });
        }

        var response = await client.SendAsync(request);

        Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.DoesNotContain(_logs.Records, r => r.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task Api_UnknownProject_IsAProblemDetails404FromTheSharedHandler()
    {
        using var client = _host.Client(_host.Tokens.Mint("rita", "Reviewer"));

        var response = await client.GetAsync("/api/projects/nope/progress");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Api_ABadToken_IsLoggedOnceByTheRefusalLog_NotAgainByIdentityModel()
    {
        // IdentityModel logged one or two multi-line errors per refused token: a flood of bad tokens flooded the logs.
        var forged = TestTokens.Mint("mallory", ["Admin"], new RsaSecurityKey(RSA.Create(2048)) { KeyId = "test-key" }, TimeSpan.FromHours(1));
        using var client = _host.Client(forged);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/projects")).StatusCode);

        Assert.Single(_logs.Records, r => r.Category == typeof(RefusalLog).FullName);
        Assert.DoesNotContain(_logs.Records, r => r.Category.StartsWith("Microsoft.IdentityModel", StringComparison.Ordinal) && r.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task Api_RefusalsAreLogged_AndAnswersCarryTheSecurityHeaders_AsOnTheLocalServer()
    {
        using var anonymous = _host.Client(null);
        using var labeler = _host.Client(_host.Tokens.Mint("lena", "Labeler"));
        using var reviewer = _host.Client(_host.Tokens.Mint("rita", "Reviewer"));

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/projects")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await labeler.GetAsync("/api/projects/demo/progress")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await reviewer.GetAsync("/api/projects/nope/progress")).StatusCode);
        var accepted = await reviewer.GetAsync("/api/projects/demo/progress");
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("nosniff", Assert.Single(accepted.Headers.GetValues("X-Content-Type-Options")));
        Assert.True(accepted.Headers.CacheControl?.NoStore);

        var refusals = _logs.Records.Where(r => r.Category == typeof(RefusalLog).FullName).ToArray();
        Assert.Equal([401, 403, 404], refusals.Select(r => (int)r.State["Status"]!));
        Assert.Equal(["anonymous", "lena", "rita"], refusals.Select(r => (string)r.State["Caller"]!));
        Assert.Equal([LogLevel.Warning, LogLevel.Warning, LogLevel.Information], refusals.Select(r => r.Level));
        Assert.Equal("/api/projects/nope/progress", refusals[2].State["Path"]);
    }
}
