using Labeling.Adapters.Azure.Cosmos;
using Labeling.Adapters.Azure.Storage;
using Labeling.Application.Work;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Labeling.Adapters.Azure.Hosting;

/// <summary>
/// Creates the Cosmos database and containers, the blob containers and the work queues at start when
/// <see cref="CosmosOptions.CreateIfMissing"/> is set: for the emulators and first local runs. In Azure
/// the Bicep creates them and the setting stays off, so the app needs no control-plane rights.
/// </summary>
public sealed class AzureResourceInitializer : IHostedService
{
    private readonly IOptions<CosmosOptions> _cosmosOptions;
    private readonly IServiceProvider _services;

    /// <summary>Creates the initializer.</summary>
    /// <param name="cosmosOptions">Whether to create anything.</param>
    /// <param name="services">Resolves the clients only when they are needed.</param>
    public AzureResourceInitializer(IOptions<CosmosOptions> cosmosOptions, IServiceProvider services)
    {
        _cosmosOptions = cosmosOptions;
        _services = services;
    }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_cosmosOptions.Value.CreateIfMissing)
        {
            return;
        }

        await _services.GetRequiredService<CosmosDatabase>().EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        await _services.GetRequiredService<BlobDocumentSource>().EnsureContainersAsync(cancellationToken).ConfigureAwait(false);
        var queues = _services.GetRequiredService<StorageClients>().Queues;
        foreach (var queue in new[] { WorkQueues.WeakLabel, WorkQueues.IngestDocument })
        {
            await queues.GetQueueClient(queue).CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await queues.GetQueueClient(StorageQueueWorkQueue.PoisonQueueOf(queue)).CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
