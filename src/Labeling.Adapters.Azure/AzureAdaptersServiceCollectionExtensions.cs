using Azure.Core;
using Azure.Messaging.ServiceBus;
using Labeling.Adapters.Azure.Chat;
using Labeling.Adapters.Azure.Cosmos;
using Labeling.Adapters.Azure.Hosting;
using Labeling.Adapters.Azure.Identity;
using Labeling.Adapters.Azure.Messaging;
using Labeling.Adapters.Azure.Storage;
using Labeling.Adapters.Azure.Truth;
using Labeling.Application.Ports;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Labeling.Adapters.Azure;

/// <summary>Registers the Azure adapters: Cosmos DB stores, Blob document source, Storage Queue, Service Bus publisher, Azure OpenAI.</summary>
public static class AzureAdaptersServiceCollectionExtensions
{
    /// <summary>
    /// Adds every port's Azure adapter with options bound from <c>Cosmos</c>, <c>Storage</c>,
    /// <c>ServiceBus</c> and <c>OpenAI</c> (validated on start), and <see cref="AzureResourceInitializer"/>
    /// (creates databases, containers and queues when <c>Cosmos:CreateIfMissing</c> is set). Every client authenticates with
    /// <see cref="AzureCredentials.Create()"/>; connection strings are read only for the emulators.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration root.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddAzureAdapters(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TokenCredential>(_ => AzureCredentials.Create());
        services.AddOptions<CosmosOptions>().Bind(configuration.GetSection(CosmosOptions.SectionName)).ValidateDataAnnotations()
            .Validate(o => o.Endpoint is not null || !string.IsNullOrWhiteSpace(o.ConnectionString), "Set Cosmos:Endpoint (Cosmos__Endpoint) to the account endpoint.")
            .ValidateOnStart();
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.SectionName)).ValidateDataAnnotations()
            .Validate(o => o.IsConfigured(), "Set LabelingStorage:BlobServiceUri and LabelingStorage:QueueServiceUri (LabelingStorage__blobServiceUri, LabelingStorage__queueServiceUri), or LabelingStorage:ConnectionString for Azurite.")
            .ValidateOnStart();
        services.AddOptions<ServiceBusOptions>().Bind(configuration.GetSection(ServiceBusOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<OpenAIOptions>().Bind(configuration.GetSection(OpenAIOptions.SectionName));

        services.TryAddSingleton(sp => new StorageClients(Value<StorageOptions>(sp), sp.GetRequiredService<TokenCredential>()));
        services.TryAddSingleton(sp => Value<StorageOptions>(sp));
        services.TryAddSingleton<BlobDocumentSource>();
        services.TryAddSingleton<IDocumentSource>(sp => sp.GetRequiredService<BlobDocumentSource>());
        services.TryAddSingleton<PoisonedBlobQuarantine>();
        services.TryAddSingleton<StorageQueueWorkQueue>();
        services.TryAddSingleton<IWorkQueue>(sp => sp.GetRequiredService<StorageQueueWorkQueue>());

        services.TryAddSingleton(sp => Value<CosmosOptions>(sp));
        services.TryAddSingleton(sp => CosmosDatabase.Connect(Value<CosmosOptions>(sp), sp.GetRequiredService<TokenCredential>()));
        services.TryAddSingleton<CosmosProjectStore>();
        services.TryAddSingleton<IProjectStore>(sp => sp.GetRequiredService<CosmosProjectStore>());
        services.TryAddSingleton<IDocumentStore, CosmosDocumentStore>();
        services.TryAddSingleton<CosmosItemStore>();
        services.TryAddSingleton<IItemStore>(sp => sp.GetRequiredService<CosmosItemStore>());
        services.TryAddSingleton<ILeaseStore, CosmosLeaseStore>();
        services.TryAddSingleton<CosmosLabelerStore>();
        services.TryAddSingleton<ILabelerStore>(sp => sp.GetRequiredService<CosmosLabelerStore>());
        services.TryAddSingleton<IIdempotencyStore, CosmosIdempotencyStore>();
        services.TryAddSingleton<IProjectPurge>(sp => new CosmosProjectPurge(
            sp.GetRequiredService<CosmosDatabase>(), sp.GetRequiredService<CosmosProjectStore>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Labeling.Application.Http.ITransientFailureClassifier, CosmosTransientFailures>());
        services.TryAddSingleton<IEventOutbox, CosmosEventOutbox>();
        services.TryAddSingleton<IReliabilityRefitStore, AzureReliabilityRefitStore>();
        services.TryAddSingleton<IProjectFiles, BlobProjectFiles>();

        services.TryAddSingleton<IChatModelCatalog>(sp => new AzureOpenAIChatModelCatalog(Value<OpenAIOptions>(sp), sp.GetRequiredService<TokenCredential>()));
        services.AddSingleton<IEnumerable<IEventSink>>(sp => CreateSinks(sp));
        services.AddHostedService<AzureResourceInitializer>();
        return services;
    }

    private static IEventSink[] CreateSinks(IServiceProvider sp)
    {
        var options = Value<ServiceBusOptions>(sp);
        if (string.IsNullOrWhiteSpace(options.FullyQualifiedNamespace))
        {
            return [];
        }

        var client = new ServiceBusClient(options.FullyQualifiedNamespace, sp.GetRequiredService<TokenCredential>());
        return [new ServiceBusEventSink(client.CreateSender(options.Topic))];
    }

    private static T Value<T>(IServiceProvider sp)
        where T : class => sp.GetRequiredService<IOptions<T>>().Value;
}
