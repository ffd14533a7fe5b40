using System.Collections.Concurrent;
using System.Net;
using Labeling.Application.Events;
using Labeling.Application.Ports;
using Labeling.Server.Tests.Support;
using Labeling.TestSupport;
using Labeling.TestSupport.Logging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Labeling.Server.Tests.Http;

/// <summary>
/// Sending dead letters again after an outage (<c>POST /api/events/dead-letters/redeliver</c>, Admin): a webhook that
/// refused until its events were dead-lettered gets them once it works again.
/// </summary>
public sealed class DeadLetterRedeliveryTests : IAsyncLifetime
{
    private const string Webhook = "webhook:ml";
    private readonly ConcurrentQueue<string> _received = new();
    private readonly LogCollector _logs = new();
    private WebApplication _receiver = null!;
    private ServerFactory _server = null!;
    private volatile bool _refusing = true;

    private HttpClient Admin => _server.ClientAs("root", "Admin");

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _receiver = builder.Build();
        _receiver.MapPost("/hook", (HttpRequest request) =>
        {
            if (_refusing)
            {
                return Results.StatusCode(503);
            }

            _received.Enqueue(request.Headers["webhook-id"].ToString());
            return Results.NoContent();
        });
        await _receiver.StartAsync();

        _server = new ServerFactory(
            new Dictionary<string, string?>
            {
                ["Labeling:CreateDemoProject"] = "false",
                ["Events:Webhooks:0:Name"] = "ml",
                ["Events:Webhooks:0:Url"] = _receiver.Urls.Single() + "/hook",
                ["Events:Webhooks:0:Secret"] = "a-local-test-secret",
                ["Events:MaxAttempts"] = "2",
                ["Events:InitialBackoff"] = "00:00:00.010",
                [$"Logging:LogLevel:{typeof(DeadLetterRedelivery).FullName}"] = "Information",
            },
            services: services => services.AddSingleton<ILoggerProvider>(_logs));
        _ = _server.Server;
    }

    public async Task DisposeAsync()
    {
        _server.Dispose();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task Redeliver_WebhookWorksAgainAfterItsEventsWereDeadLettered_ItGetsThemAndNoDeadLetterIsLeft()
    {
        string[] ids = ["itm_1-r2", "itm_2-r2", "itm_3-r2"];
        await CommitEventsAsync(ids);
        await WaitAsync(async () => (await DeadLettersAsync()).Count == ids.Length, "the webhook's events were not dead-lettered");
        _refusing = false;

        var answer = await (await Admin.PostAsync($"/api/events/dead-letters/redeliver?destination={Webhook}", null)).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(3, answer["requeued"]!.GetValue<int>());
        Assert.Equal(3, answer["byDestination"]![Webhook]!.GetValue<int>());
        await WaitAsync(() => Task.FromResult(_received.Count >= ids.Length), "the webhook did not get the requeued events");
        Assert.Equal(ids, _received.Order(StringComparer.Ordinal));
        Assert.Empty(await DeadLettersAsync());
        var logged = Assert.Single(_logs.Records, r => r.EventId.Id == 5003);
        Assert.Equal(("root", 3, Webhook), (logged.State["Caller"], logged.State["Requeued"], logged.State["Destination"]));
    }

    [Fact]
    public async Task Redeliver_NoDestinationNothingDead_AnswersNoneRequeuedForEachDestination()
    {
        var answer = await (await Admin.PostAsync("/api/events/dead-letters/redeliver", null)).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(0, answer["requeued"]!.GetValue<int>());
        Assert.Equal(["jsonl", Webhook], answer["byDestination"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Redeliver_UnknownDestination_Returns400NamingTheKnownDestinations()
    {
        var problem = await (await Admin.PostAsync("/api/events/dead-letters/redeliver?destination=webhook:nope", null)).ExpectProblemAsync(HttpStatusCode.BadRequest);

        var message = problem["errors"]!["destination"]![0]!.GetValue<string>();
        Assert.Contains("'webhook:nope'", message, StringComparison.Ordinal);
        Assert.Contains("jsonl, webhook:ml", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Labeler", HttpStatusCode.Forbidden)]
    [InlineData("Reviewer", HttpStatusCode.Forbidden)]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    public async Task Redeliver_WithoutTheAdminRole_IsRefusedAndRequeuesNothing(string? role, HttpStatusCode status)
    {
        await CommitEventsAsync("itm_9-r2");
        await WaitAsync(async () => (await DeadLettersAsync()).Count == 1, "the webhook's event was not dead-lettered");
        using var client = role is null ? _server.CreateClient() : _server.ClientAs("someone", role);

        var response = await client.PostAsync("/api/events/dead-letters/redeliver", null);

        Assert.Equal(status, response.StatusCode);
        Assert.Single(await DeadLettersAsync());
    }

    private async Task CommitEventsAsync(params string[] ids)
    {
        var events = ids.Select(id => new OutboxEvent(id, "p1", id.Split('-')[0], "label.ready", $"{{\"specversion\":\"1.0\",\"id\":\"{id}\",\"type\":\"label.ready\"}}", DateTimeOffset.UtcNow));
        await _server.Services.GetRequiredService<IItemStore>().CommitAsync(new ItemCommit("p1") { Events = [.. events] }, CancellationToken.None);
    }

    private async Task<IReadOnlyList<System.Text.Json.Nodes.JsonNode?>> DeadLettersAsync() =>
        [.. (await (await Admin.GetAsync("/api/events/dead-letters")).ExpectAsync(HttpStatusCode.OK)).AsArray()];

    private static Task WaitAsync(Func<Task<bool>> done, string failure) => Eventually.HoldsAsync(done, TimeSpan.FromSeconds(15), failure);
}
