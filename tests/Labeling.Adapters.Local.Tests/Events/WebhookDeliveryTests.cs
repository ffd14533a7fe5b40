using System.Collections.Concurrent;
using Labeling.Adapters.Local.Events;
using Labeling.Application;
using Labeling.Adapters.Local.Sqlite;
using Labeling.Application.Events;
using Labeling.Application.Ports;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Labeling.TestSupport.Logging;
using StandardWebhooks;

namespace Labeling.Adapters.Local.Tests.Events;

/// <summary>Outbox delivery to a real HTTP receiver on 127.0.0.1 and to a JSONL file.</summary>
public sealed class WebhookDeliveryTests : IAsyncLifetime
{
    private const string Secret = "a-local-test-secret";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "labeling-webhook-tests", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly ConcurrentQueue<(string Body, bool Verified)> _received = new();
    private WebApplication? _receiver;
    private int _failuresLeft;
    private int _hookRequests;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _receiver = builder.Build();
        _receiver.MapHangingPost("/hang");
        _receiver.MapPost("/picky", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            return body.Contains("itm_1-r1", StringComparison.Ordinal) ? Results.BadRequest() : Results.NoContent();
        });
        _receiver.MapPost("/chatty", async (HttpContext context) =>
        {
            // Takes the event (200, its headers sent at once), then keeps the answer's body open until the caller goes.
            context.Response.StatusCode = StatusCodes.Status200OK;
            await context.Response.StartAsync();
            try
            {
                await context.Response.Body.WriteAsync(new byte[64 * 1024], context.RequestAborted);
                await Task.Delay(TimeSpan.FromMinutes(1), context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
        });
        _receiver.MapPost("/moved", () => Results.Redirect("/hook", permanent: false, preserveMethod: true));
        _receiver.MapPost("/hook", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            Interlocked.Increment(ref _hookRequests);
            if (Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                return Results.StatusCode(503);
            }

            var verified = true;
            try
            {
                new StandardWebhook(System.Text.Encoding.UTF8.GetBytes(Secret)).Verify(body, request.Headers);
            }
            catch (StandardWebhooks.Diagnostics.WebhookVerificationException)
            {
                verified = false;
            }

            _received.Enqueue((body, verified));
            return Results.NoContent();
        });
        await _receiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _receiver!.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task Dispatch_WebhookFailsTwice_RetriesWithBackoffThenDeliversASignedEventAndWritesJsonl()
    {
        _failuresLeft = 2;
        var (dispatcher, jsonl, outbox) = await DispatcherWithOneEventAsync(maxAttempts: 5);

        await dispatcher.DispatchDueAsync(CancellationToken.None);
        Assert.Empty(_received);
        Assert.Equal(0, await dispatcher.DispatchDueAsync(CancellationToken.None));
        _time.Advance(TimeSpan.FromSeconds(1));
        await dispatcher.DispatchDueAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(2));
        await dispatcher.DispatchDueAsync(CancellationToken.None);

        var (body, verified) = Assert.Single(_received);
        Assert.True(verified, "The webhook signature did not verify with the shared secret.");
        Assert.Contains("\"type\":\"label.ready\"", body, StringComparison.Ordinal);
        Assert.Single(File.ReadAllLines(jsonl));
        Assert.Empty(await outbox.ListDeadLettersAsync(10, CancellationToken.None));
    }

    [Fact]
    public async Task Dispatch_WebhookAlwaysFails_DeadLettersAfterMaxAttemptsWhileJsonlStillGetsIt()
    {
        _failuresLeft = int.MaxValue;
        var (dispatcher, jsonl, outbox) = await DispatcherWithOneEventAsync(maxAttempts: 3);

        for (var round = 0; round < 6; round++)
        {
            await dispatcher.DispatchDueAsync(CancellationToken.None);
            _time.Advance(TimeSpan.FromMinutes(1));
        }

        var dead = Assert.Single(await outbox.ListDeadLettersAsync(10, CancellationToken.None));
        Assert.Equal("webhook:ml", dead.Destination);
        Assert.Equal(3, dead.Attempts);
        Assert.Contains("503", dead.LastError, StringComparison.Ordinal);
        Assert.Single(File.ReadAllLines(jsonl));
    }

    [Fact]
    public async Task Dispatch_OneWebhookHangs_TheOtherDestinationsGetTheirEventsWithoutWaitingForIt()
    {
        // Destinations were served one after another: a webhook that never answers held back every destination after
        // it by its timeout once per event (up to Events:BatchSize × Timeout, 100 × 10 s by default, per round). The
        // hanging one's round ends at its first timeout (the destination is paused), so 1 attempt there and 3 here.
        var database = await DatabaseWithEventsAsync("itm_1-r1", "itm_2-r1", "itm_3-r1");
        var hanging = new WebhookOptions { Name = "stuck", Url = new Uri(_receiver!.Urls.Single() + "/hang"), Secret = Secret, Timeout = TimeSpan.FromSeconds(10) };
        var working = new WebhookOptions { Name = "ml", Url = new Uri(_receiver.Urls.Single() + "/hook"), Secret = Secret };
        var sinks = new IEventSink[] { new WebhookEventSink(new HttpClient(), hanging, _time), new WebhookEventSink(new HttpClient(), working, _time) };
        var dispatcher = new EventDispatcher(new SqliteEventOutbox(database), sinks, _time, Options.Create(new EventDeliveryOptions()), NullLogger<EventDispatcher>.Instance);

        // The three deliveries here must all land while the hanging one still waits out its 10 s: no fixed window to miss
        // on a busy machine, only the order of the two.
        var round = dispatcher.DispatchDueAsync(CancellationToken.None);
        while (_received.Count < 3 && !round.IsCompleted)
        {
            await Task.Delay(20);
        }

        Assert.Equal(3, _received.Count);
        Assert.False(round.IsCompleted, "the hanging webhook answered; the test proves nothing");
        Assert.Equal(4, await round);
    }

    [Fact]
    public async Task Dispatch_WebhookDown_IsTriedOncePerPause_TheOtherEventsKeepTheirAttempts_AndAllGoOutWhenItWorksAgain()
    {
        // Each due event was tried on its own schedule: a receiver that was down got, and the log recorded, every event of
        // the backlog in turn (a round of 100 failures, then the next 100 at once), and a long outage dead-lettered them all.
        var ids = Enumerable.Range(1, 30).Select(i => $"itm_{i}-r1").ToArray();
        var database = await DatabaseWithEventsAsync(ids);
        var outbox = new SqliteEventOutbox(database);
        var hook = new WebhookOptions { Name = "ml", Url = new Uri(_receiver!.Urls.Single() + "/hook"), Secret = Secret };
        var logs = new LogCollector();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var options = Options.Create(new EventDeliveryOptions { MaxAttempts = 3, InitialBackoff = TimeSpan.FromSeconds(1) });
        var dispatcher = new EventDispatcher(outbox, [new WebhookEventSink(new HttpClient(), hook, _time)], _time, options, factory.CreateLogger<EventDispatcher>());
        _failuresLeft = int.MaxValue;

        var attemptedWhileDown = 0;
        for (var round = 0; round < 200; round++)
        {
            attemptedWhileDown += await dispatcher.DispatchDueAsync(CancellationToken.None);
            _time.Advance(TimeSpan.FromMilliseconds(500));
        }

        // 100 s down: pauses of 1, 2, 4, 8, 16, 32 and 64 s, so seven attempts in all, one event each time.
        Assert.Equal(7, attemptedWhileDown);
        Assert.Equal(7, Volatile.Read(ref _hookRequests));
        Assert.Equal(7, logs.Records.Count(r => r.EventId.Id is 5001 or 5002));
        // Times in the log are ISO 8601 (they read "12/01/2026 05:24:05 +00:00", month first, before).
        Assert.Matches(@"retried at \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}\+00:00, and nothing more is sent to webhook:ml before \d{4}-\d{2}-\d{2}T", logs.Records.First(r => r.EventId.Id == 5001).Message);
        var dead = await outbox.ListDeadLettersAsync(100, CancellationToken.None);
        Assert.True(dead.Count <= 2, $"{dead.Count} events dead-lettered though only seven attempts were made");

        _failuresLeft = 0;
        _time.Advance(EventDispatcher.MaxPause);
        for (var round = 0; round < 5; round++)
        {
            await dispatcher.DispatchDueAsync(CancellationToken.None);
            _time.Advance(TimeSpan.FromHours(1));
        }

        Assert.Equal(30 - dead.Count, _received.Select(r => r.Body).Distinct().Count());
        var worksAgain = Assert.Single(logs.Records, r => r.EventId.Id == 5004);
        Assert.Equal(7, worksAgain.State["FailedRounds"]);
    }

    [Fact]
    public async Task Dispatch_WebhookBackAfterAnOutage_TheEventsTriedDuringItGoOutWithTheRest()
    {
        // The event tried during an outage kept its own back-off (up to an hour) after the destination worked again, and
        // reached the receiver that long after the newer events.
        var database = await DatabaseWithEventsAsync("itm_1-r1", "itm_2-r1", "itm_3-r1");
        var outbox = new SqliteEventOutbox(database);
        var hook = new WebhookOptions { Name = "ml", Url = new Uri(_receiver!.Urls.Single() + "/hook"), Secret = Secret };
        var options = Options.Create(new EventDeliveryOptions { MaxAttempts = 20, InitialBackoff = TimeSpan.FromMinutes(1) });
        var dispatcher = new EventDispatcher(outbox, [new WebhookEventSink(new HttpClient(), hook, _time)], _time, options, NullLogger<EventDispatcher>.Instance);
        _failuresLeft = int.MaxValue;

        // Down for 20 minutes: pauses of 1, 2, 4 and then 5 minutes (the most), while the first event's own back-off grows
        // to 8 minutes and past; it is not due when the destination's pause ends, so another event is tried.
        for (var minute = 0; minute < 20; minute++)
        {
            await dispatcher.DispatchDueAsync(CancellationToken.None);
            _time.Advance(TimeSpan.FromMinutes(1));
        }

        _failuresLeft = 0;
        _time.Advance(EventDispatcher.MaxPause);
        for (var round = 0; round < 3; round++)
        {
            await dispatcher.DispatchDueAsync(CancellationToken.None);
        }

        Assert.Equal(3, _received.Count);
        Assert.Empty(await outbox.ReadDueAsync("webhook:ml", _time.GetUtcNow().AddDays(1), 10, CancellationToken.None));
    }

    [Fact]
    public async Task Deliver_WebhookDoesNotAnswerInTime_FailsSayingSo()
    {
        var hook = new WebhookOptions { Name = "slow", Url = new Uri(_receiver!.Urls.Single() + "/hang"), Secret = Secret, Timeout = TimeSpan.FromMilliseconds(200) };
        var sink = new WebhookEventSink(new HttpClient(), hook, _time);

        var failure = await Assert.ThrowsAsync<TimeoutException>(() =>
            sink.DeliverAsync(new OutboxEvent("itm_1-r1", "p", "itm_1", "label.ready", "{}", _time.GetUtcNow()), CancellationToken.None));

        Assert.Equal("Webhook 'slow' did not answer within its Timeout (00:00:00.2000000).", failure.Message);
    }

    [Fact]
    public async Task Deliver_WebhookTakesTheEventButItsAnswersBodyNeverEnds_IsDeliveredWithoutReadingTheBody()
    {
        // The whole answer was read into memory before its status counted: a 200 whose body went on (306 MB in 3 s from a
        // receiver on this machine) filled memory and, at the Timeout, was taken for a failure, so the event the receiver
        // had accepted was sent again and finally dead-lettered.
        // The receiver keeps the body open for a minute, so a sink that read it still fails at the Timeout; 2 s left too
        // little for the headers of a first request on a loaded machine.
        var hook = new WebhookOptions { Name = "chatty", Url = new Uri(_receiver!.Urls.Single() + "/chatty"), Secret = Secret, Timeout = TimeSpan.FromSeconds(30) };
        var sink = new WebhookEventSink(new HttpClient(), hook, _time);

        await sink.DeliverAsync(new OutboxEvent("itm_1-r1", "p", "itm_1", "label.ready", "{}", _time.GetUtcNow()), CancellationToken.None);
    }

    [Fact]
    public async Task Dispatch_OneEventRefusedWhileTheOthersFlow_KeepsItsOwnBackoff()
    {
        // Making the events tried during an "outage" due again after any success also did it after the single failed
        // round of an event the receiver refuses: it was tried again at once, spent its 12 attempts in about ten minutes,
        // and paused the destination for the others each time.
        var database = await DatabaseWithEventsAsync("itm_1-r1");
        var outbox = new SqliteEventOutbox(database);
        var hook = new WebhookOptions { Name = "ml", Url = new Uri(_receiver!.Urls.Single() + "/picky"), Secret = Secret };
        var dispatcher = new EventDispatcher(outbox, [new WebhookEventSink(new HttpClient(), hook, _time)], _time, Options.Create(new EventDeliveryOptions()), NullLogger<EventDispatcher>.Instance);

        // Thirty minutes, a new event every ten seconds, a round every second.
        for (var second = 0; second < 1_800; second++)
        {
            if (second % 10 == 5)
            {
                await using var connection = await database.OpenAsync(CancellationToken.None);
                await using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO outbox (id, project_id, item_id, type, payload, created_at) VALUES ($id, 'p', 'itm_x', 'label.ready', '{}', 0)";
                insert.Parameters.AddWithValue("$id", $"itm_{second + 100}-r1");
                await insert.ExecuteNonQueryAsync();
            }

            await dispatcher.DispatchDueAsync(CancellationToken.None);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        // Its back-off (5 s, 10 s, … up to an hour) allows eight or nine attempts in thirty minutes, not twelve.
        Assert.Empty(await outbox.ListDeadLettersAsync(10, CancellationToken.None));
        var refused = Assert.Single(await outbox.ReadDueAsync("webhook:ml", _time.GetUtcNow().AddDays(1), 1_000, CancellationToken.None));
        Assert.Equal("itm_1-r1", refused.Event.Id);
        Assert.InRange(refused.Attempts, 7, 9);
    }

    [Fact]
    public async Task Dispatch_OneEventTheReceiverRefuses_HoldsTheOthersBackOnePauseAtMost()
    {
        // The refused event is the oldest due whenever its retry comes; tried first, it ended each round and paused the
        // destination, and with its back-off and the pause growing together nothing went out for 610 s (a review's test).
        var database = await DatabaseWithEventsAsync("itm_1-r1");
        var sink = new RefusingSink("itm_1-r1", _time);
        var dispatcher = new EventDispatcher(new SqliteEventOutbox(database), [sink], _time, Options.Create(new EventDeliveryOptions()), NullLogger<EventDispatcher>.Instance);
        var made = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);

        for (var second = 0; second < 1_800; second++)
        {
            if (second % 10 == 5)
            {
                var id = $"itm_{second + 100}-r1";
                await using var connection = await database.OpenAsync(CancellationToken.None);
                await using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO outbox (id, project_id, item_id, type, payload, created_at) VALUES ($id, 'p', 'itm_x', 'label.ready', '{}', 0)";
                insert.Parameters.AddWithValue("$id", id);
                await insert.ExecuteNonQueryAsync();
                made[id] = _time.GetUtcNow();
            }

            await dispatcher.DispatchDueAsync(CancellationToken.None);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        var waited = made.Select(m => (sink.Delivered[m.Key] - m.Value).TotalSeconds).ToArray();
        Assert.True(waited.Max() <= 10, $"an event the receiver takes waited {waited.Max()} s behind the one it refuses");
    }

    [Fact]
    public async Task Dispatch_ABatchOfRefusedEventsDueAgain_DoesNotKeepTheNewEventsOut()
    {
        // A round read the oldest due events, retries and new ones together, up to Events:BatchSize: once that many events
        // the receiver refuses were due again, no new event was read at all, so none went out; each round failed on a
        // refused one, and with no delivery between failures the pause grew to 5 minutes. The new events waited until the
        // refused ones were dead-lettered, about Events:MaxAttempts pauses each (hours), not one pause.
        var database = await DatabaseWithEventsAsync("itm_1-r1", "itm_2-r1", "itm_3-r1");
        var outbox = new SqliteEventOutbox(database);
        foreach (var refused in new[] { "itm_1-r1", "itm_2-r1", "itm_3-r1" })
        {
            await outbox.MarkFailedAsync("webhook:ml", refused, 1, _time.GetUtcNow(), "Webhook 'ml' answered 400 Bad Request.", _time.GetUtcNow(), CancellationToken.None);
        }

        var sink = new RefusingSink(id => id is "itm_1-r1" or "itm_2-r1" or "itm_3-r1", _time);
        var options = Options.Create(new EventDeliveryOptions { BatchSize = 3 });
        var dispatcher = new EventDispatcher(outbox, [sink], _time, options, NullLogger<EventDispatcher>.Instance);
        var made = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);

        for (var second = 0; second < 1_800; second++)
        {
            if (second % 10 == 5)
            {
                var id = $"itm_{second + 100}-r1";
                await OutboxRows.InsertAsync(database, id);
                made[id] = _time.GetUtcNow();
            }

            await dispatcher.DispatchDueAsync(CancellationToken.None);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        var undelivered = made.Keys.Count(id => !sink.Delivered.ContainsKey(id));
        Assert.True(undelivered <= 1, $"{undelivered} of {made.Count} new events never went out in 30 minutes, behind three refused ones");
        var waited = made.Where(m => sink.Delivered.ContainsKey(m.Key)).Select(m => (sink.Delivered[m.Key] - m.Value).TotalSeconds).ToArray();
        Assert.True(waited.Max() <= 10, $"a new event waited {waited.Max()} s behind the refused ones");
    }

    [Fact]
    public async Task Dispatch_PausedDestinationResumed_IsTriedAtTheNextRound()
    {
        _failuresLeft = 1;
        var (dispatcher, _, _) = await DispatcherWithOneEventAsync(maxAttempts: 5);
        await DatabaseWithEventsAsync("itm_2-r1");

        Assert.Equal(3, await dispatcher.DispatchDueAsync(CancellationToken.None)); // the file takes both; the webhook fails the first
        Assert.Equal(0, await dispatcher.DispatchDueAsync(CancellationToken.None));
        dispatcher.Resume("webhook:ml");

        Assert.Equal(1, await dispatcher.DispatchDueAsync(CancellationToken.None));
        Assert.Single(_received);
    }

    [Fact]
    public async Task Deliver_WebhookAnswersWithARedirect_IsAFailureAndTheRedirectIsNotFollowed()
    {
        await using var provider = LocalServices();
        var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(WebhookEventSink));
        var hook = new WebhookOptions { Name = "ml", Url = new Uri(_receiver!.Urls.Single() + "/moved"), Secret = Secret };
        var outboxEvent = new OutboxEvent("itm_1-r3", "p", "itm_1", "label.ready", "{\"id\":\"itm_1-r3\"}", _time.GetUtcNow());

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => new WebhookEventSink(http, hook, _time).DeliverAsync(outboxEvent, CancellationToken.None));

        Assert.Contains("answered 307", failure.Message, StringComparison.Ordinal);
        Assert.Empty(_received);
    }

    [Fact]
    public async Task WebhookClient_HasNoTimeoutOfItsOwn_SoAWebhooksLongerTimeoutHolds()
    {
        // A webhook may take up to 5 minutes (WebhookOptions.Timeout); the client's default of 100 s cut such deliveries
        // short under a message naming HttpClient.Timeout, which no setting of ours sets.
        await using var provider = LocalServices();

        var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(WebhookEventSink));

        Assert.Equal(Timeout.InfiniteTimeSpan, http.Timeout);
    }

    // The local server's services as the host registers them, on this test's folder.
    private ServiceProvider LocalServices()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:DataDirectory"] = _folder, ["Labeling:CreateDemoProject"] = "false" })
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddLabelingApplication(configuration);
        services.AddLocalAdapters(configuration);
        return services.BuildServiceProvider();
    }

    private async Task<(EventDispatcher Dispatcher, string Jsonl, SqliteEventOutbox Outbox)> DispatcherWithOneEventAsync(int maxAttempts)
    {
        var database = await DatabaseWithEventsAsync("itm_1-r3");
        var outbox = new SqliteEventOutbox(database);
        var jsonl = Path.Combine(_folder, "events", "label-ready.jsonl");
        var hook = new WebhookOptions { Name = "ml", Url = new Uri(_receiver!.Urls.Single() + "/hook"), Secret = Secret };
        var sinks = new IEventSink[] { new JsonlEventSink(jsonl), new WebhookEventSink(new HttpClient(), hook, _time) };
        var options = Options.Create(new EventDeliveryOptions { MaxAttempts = maxAttempts, InitialBackoff = TimeSpan.FromSeconds(1) });
        return (new EventDispatcher(outbox, sinks, _time, options, NullLogger<EventDispatcher>.Instance), jsonl, outbox);
    }

    private async Task<SqliteDatabase> DatabaseWithEventsAsync(params string[] ids)
    {
        var database = new SqliteDatabase(Path.Combine(_folder, "labeling.db"));
        await using var connection = await database.OpenAsync(CancellationToken.None);
        foreach (var id in ids)
        {
            await using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO outbox (id, project_id, item_id, type, payload, created_at) VALUES ($id, 'p', 'itm_1', 'label.ready', $payload, 0)";
            insert.Parameters.AddWithValue("$id", id);
            insert.Parameters.AddWithValue("$payload", $"{{\"specversion\":\"1.0\",\"id\":\"{id}\",\"type\":\"label.ready\"}}");
            await insert.ExecuteNonQueryAsync();
        }

        return database;
    }

    // Takes every event but those it is told to refuse, which it answers 400, as a receiver that rejects a payload does;
    // remembers when.
    private sealed class RefusingSink(Func<string, bool> refuses, TimeProvider time) : IEventSink
    {
        public RefusingSink(string refused, TimeProvider time)
            : this(id => id == refused, time)
        {
        }

        public Dictionary<string, DateTimeOffset> Delivered { get; } = new(StringComparer.Ordinal);

        public string Name => "webhook:ml";

        public Task DeliverAsync(OutboxEvent outboxEvent, CancellationToken cancellationToken)
        {
            if (refuses(outboxEvent.Id))
            {
                throw new HttpRequestException("Webhook 'ml' answered 400 Bad Request.", null, System.Net.HttpStatusCode.BadRequest);
            }

            Delivered[outboxEvent.Id] = time.GetUtcNow();
            return Task.CompletedTask;
        }
    }
}
