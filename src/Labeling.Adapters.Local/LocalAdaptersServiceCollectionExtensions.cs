using Labeling.Adapters.Local.Auth;
using Labeling.Adapters.Local.Events;
using Labeling.Adapters.Local.Hosting;
using Labeling.Adapters.Local.Inbox;
using Labeling.Adapters.Local.Sqlite;
using Labeling.Adapters.Local.Truth;
using Labeling.Adapters.Local.Work;
using Labeling.Application.Ports;
using Labeling.Application.Truth;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Labeling.Adapters.Local;

/// <summary>Registers the local adapters: SQLite stores and queue, folder inbox, event sinks, background pumps, local signing key.</summary>
public static class LocalAdaptersServiceCollectionExtensions
{
    /// <summary>
    /// Adds every port's local adapter and the background services (startup, work-queue pump, inbox
    /// watcher, outbox dispatcher, periodic re-fit of reliabilities, pruning), with options bound from <c>Storage</c>,
    /// <c>WorkQueue</c>, <c>Events</c>, <c>LocalAuth</c>, <c>Refit</c> and <c>Retention</c> and validated on start.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration root.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddLocalAdapters(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<LocalStorageOptions>().Bind(configuration.GetSection(LocalStorageOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<WorkQueueOptions>().Bind(configuration.GetSection(WorkQueueOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<LocalAuthOptions>().Bind(configuration.GetSection(LocalAuthOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<LocalEventSinkOptions>().Bind(configuration.GetSection(LocalEventSinkOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LocalEventSinkOptions>, LocalEventSinkOptionsValidator>();

        services.TryAddSingleton<DataFolderLock>();
        services.TryAddSingleton<SqliteDatabase>();
        services.TryAddSingleton<IProjectStore, SqliteProjectStore>();
        services.TryAddSingleton<IDocumentStore, SqliteDocumentStore>();
        services.TryAddSingleton<IItemStore, SqliteItemStore>();
        services.TryAddSingleton<ILeaseStore, SqliteLeaseStore>();
        services.TryAddSingleton<ILabelerStore, SqliteLabelerStore>();
        services.TryAddSingleton<IIdempotencyStore, SqliteIdempotencyStore>();
        services.TryAddSingleton<IProjectPurge, SqliteProjectPurge>();
        services.TryAddSingleton<IProjectFiles, FolderProjectFiles>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Labeling.Application.Http.ITransientFailureClassifier, SqliteTransientFailures>());
        services.TryAddSingleton<SqliteEventOutbox>();
        services.TryAddSingleton<IEventOutbox>(sp => sp.GetRequiredService<SqliteEventOutbox>());
        services.TryAddSingleton<SqliteRetention>();
        services.TryAddSingleton<SqliteWorkQueue>();
        services.TryAddSingleton<IWorkQueue>(sp => sp.GetRequiredService<SqliteWorkQueue>());
        services.TryAddSingleton<FolderDocumentSource>();
        services.TryAddSingleton<IDocumentSource>(sp => sp.GetRequiredService<FolderDocumentSource>());
        services.TryAddSingleton<IChatModelCatalog, NoChatModels>();
        services.TryAddSingleton<IReliabilityRefitStore, SqliteReliabilityRefitStore>();
        services.AddReliabilityRefit(configuration);

        // A webhook that answers with a redirect has not taken the event: following it would send the signed
        // body wherever the receiver (or its DNS) points, inside the network included. A 3xx counts as a failure.
        // Each webhook's own Timeout (up to 5 minutes) bounds a delivery, so the client has none of its own (its default, 100 s,
        // cut longer ones short under a message naming HttpClient.Timeout). A sink keeps its client for the server's life, so
        // its connections are renewed every few minutes: a receiver that moves (its DNS) is found again.
        services.AddHttpClient(nameof(WebhookEventSink))
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        services.AddSingleton<IEnumerable<IEventSink>>(sp => CreateSinks(sp));

        services.TryAddSingleton(sp =>
        {
            var storage = sp.GetRequiredService<IOptions<LocalStorageOptions>>().Value;
            var auth = sp.GetRequiredService<IOptions<LocalAuthOptions>>().Value;
            return LocalSigningKey.LoadOrCreate(Path.Combine(storage.FullDataDirectory, auth.KeyFile), sp.GetRequiredService<ILogger<LocalSigningKey>>());
        });
        services.TryAddSingleton(sp => new LocalTokenIssuer(
            sp.GetRequiredService<LocalSigningKey>(),
            sp.GetRequiredService<IOptions<LocalAuthOptions>>().Value,
            sp.GetRequiredService<TimeProvider>()));

        services.AddHostedService<LocalStartup>();
        services.AddHostedService<WorkQueuePump>();
        services.TryAddSingleton<InboxWatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<InboxWatcher>());
        services.AddHostedService<OutboxDispatcherService>();
        services.AddHostedService<PeriodicRefitService>();
        services.AddHostedService<RetentionService>();
        services.AddHostedService<PendingDeletionService>();
        // One instance for the process: it logs a change of status, which it must remember between polls.
        services.AddSingleton<SqliteHealthCheck>();
        services.AddSingleton<DeliveryHealthCheck>();
        services.AddHealthChecks()
            .Add(new HealthCheckRegistration("sqlite", sp => sp.GetRequiredService<SqliteHealthCheck>(), failureStatus: null, tags: null))
            .Add(new HealthCheckRegistration("delivery", sp => sp.GetRequiredService<DeliveryHealthCheck>(), failureStatus: HealthStatus.Degraded, tags: null));
        return services;
    }

    private static IEnumerable<IEventSink> CreateSinks(IServiceProvider sp)
    {
        var storage = sp.GetRequiredService<IOptions<LocalStorageOptions>>().Value;
        var options = sp.GetRequiredService<IOptions<LocalEventSinkOptions>>().Value;
        var time = sp.GetRequiredService<TimeProvider>();
        var http = sp.GetRequiredService<IHttpClientFactory>();
        var sinks = new List<IEventSink>();
        if (!string.IsNullOrWhiteSpace(options.JsonlFile))
        {
            sinks.Add(new JsonlEventSink(Path.Combine(storage.FullDataDirectory, options.JsonlFile)));
        }

        foreach (var hook in options.Webhooks)
        {
            sinks.Add(new WebhookEventSink(http.CreateClient(nameof(WebhookEventSink)), hook, time));
        }

        return sinks;
    }

    /// <summary>The chat-model catalog while LLM labelers are off: no models.</summary>
    private sealed class NoChatModels : IChatModelCatalog
    {
        public IReadOnlyList<string> Names => [];

        public IChatClient? Find(string name) => null;
    }
}
