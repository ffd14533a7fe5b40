using System.Text.Json;
using Azure.Storage.Queues.Models;
using Labeling.Adapters.Azure.Cosmos;
using Labeling.Application.Ports;
using Labeling.Application.Projects;
using Labeling.Domain.Projects;
using Labeling.Functions.Tests.Hosting;
using Labeling.Functions.WeakLabeling;
using Labeling.TestSupport.Emulators;
using Labeling.TestSupport.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
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

    [Fact]
    public async Task RunAsync_StoreTimesOutOnTheLastReceive_IsLoggedAsPoisoned_AndThrows()
    {
        // A store call that times out surfaces as an OperationCanceledException (Cosmos DB's request timeout, an Azure SDK
        // network timeout) although nobody cancelled the invocation: the message still goes to the poison queue, so its
        // 9202 line, which the weaklabel-poisoned alert counts, must be written.
        await using var host = await FunctionsTestHost.StartAsync(azurite, cosmos, logs: _logs, services: services =>
            services.Replace(ServiceDescriptor.Singleton<IProjectStore>(sp => new TimingOutProjects(sp.GetRequiredService<CosmosProjectStore>()))));
        var message = QueuesModelFactory.QueueMessage(
            "msg-2", "pop", BinaryData.FromString($"{{\"projectId\": \"{DemoProject.Id}\", \"itemIds\": [\"itm_1\"]}}"), WeakLabelFunction.MaxDequeueCount);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => host.Function<WeakLabelFunction>().RunAsync(message, host.Durable, CancellationToken.None));

        var logged = Assert.Single(_logs.Records, r => r.Category == typeof(WeakLabelFunction).FullName && Equals(r.State["MessageId"], "msg-2"));
        Assert.Equal(9202, logged.EventId.Id);
        Assert.Equal(LogLevel.Error, logged.Level);
    }

    private sealed class TimingOutProjects(IProjectStore inner) : IProjectStore
    {
        public Task<Project?> GetAsync(string projectId, CancellationToken cancellationToken) =>
            throw new OperationCanceledException("The request timed out (injected: the SDK's request timeout).");

        public Task<Project?> GetCurrentAsync(string projectId, CancellationToken cancellationToken) =>
            throw new OperationCanceledException("The request timed out (injected: the SDK's request timeout).");

        public Task<bool> TryReplaceAsync(Project replacement, CancellationToken cancellationToken) => inner.TryReplaceAsync(replacement, cancellationToken);

        public Task<IReadOnlyList<Project>> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);

        public Task<bool> TryCreateAsync(Project project, CancellationToken cancellationToken) => inner.TryCreateAsync(project, cancellationToken);
    }
}
