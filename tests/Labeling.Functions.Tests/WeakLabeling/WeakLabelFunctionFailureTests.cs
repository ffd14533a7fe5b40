using System.Text.Json;
using Azure.Storage.Queues.Models;
using Labeling.Functions.Tests.Hosting;
using Labeling.Functions.WeakLabeling;
using Labeling.TestSupport.Emulators;
using Labeling.TestSupport.Logging;
using Microsoft.Extensions.Logging;

namespace Labeling.Functions.Tests.WeakLabeling;

/// <summary>
/// A weak-labeling message that fails is retried by the host until its last receive, then goes to the poison queue: the
/// function logs each failure (9201) and the last one as poisoned (9202, the line the weaklabel-poisoned alert counts),
/// and lets the exception through so the host does its part.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class WeakLabelFunctionFailureTests(AzuriteFixture azurite, CosmosEmulatorFixture cosmos) : IAsyncLifetime
{
    private readonly LogCollector _logs = new();
    private FunctionsTestHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await FunctionsTestHost.StartAsync(azurite, cosmos, logs: _logs);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData(1, 9201, LogLevel.Warning)]
    [InlineData(WeakLabelFunction.MaxDequeueCount - 1, 9201, LogLevel.Warning)]
    [InlineData(WeakLabelFunction.MaxDequeueCount, 9202, LogLevel.Error)]
    public async Task RunAsync_MessageThatFails_IsLoggedAsRetriedOrPoisonedByItsReceive_AndThrows(long dequeueCount, int eventId, LogLevel level)
    {
        var message = QueuesModelFactory.QueueMessage("msg-1", "pop", BinaryData.FromString("{\"projectId\": "), dequeueCount);

        await Assert.ThrowsAsync<JsonException>(() => _host.Function<WeakLabelFunction>().RunAsync(message, _host.Durable, CancellationToken.None));

        var logged = Assert.Single(_logs.Records, r => r.Category == typeof(WeakLabelFunction).FullName);
        Assert.Equal(eventId, logged.EventId.Id);
        Assert.Equal(level, logged.Level);
        Assert.Equal("msg-1", logged.State["MessageId"]);
        Assert.Equal(dequeueCount, logged.State["DequeueCount"]);
    }
}
