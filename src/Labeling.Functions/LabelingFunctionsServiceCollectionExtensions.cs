using Labeling.Adapters.Azure;
using Labeling.Application;
using Labeling.Application.Truth;
using Labeling.Functions.Crowd;
using Labeling.Functions.Http;
using Labeling.Functions.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Labeling.Functions;

/// <summary>The Functions app's whole composition, in one call shared by <c>Program.cs</c> and the tests that host it.</summary>
public static class LabelingFunctionsServiceCollectionExtensions
{
    /// <summary>
    /// Adds the application's use cases, the HTTP API pipeline with Entra ID authentication, and the
    /// Azure adapters (Cosmos DB, Blob, Storage Queue, Service Bus, Azure OpenAI), the periodic re-fit of
    /// reliabilities with its options (section <c>Refit</c>), the daily purge of ended crowd workflows (section
    /// <c>WorkflowHistory</c>), and the worker's Application Insights telemetry when
    /// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set (<see cref="WorkerTelemetry"/>).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration root.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddLabelingFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddLabelingApplication(configuration);
        services.AddLabelingApi(configuration);
        services.AddAzureAdapters(configuration);
        services.AddReliabilityRefit(configuration);
        // The upload API writes where the options say and the Ingest trigger reads the container its path names: another
        // name would leave every upload unread.
        services.AddOptions<Labeling.Adapters.Azure.Storage.StorageOptions>().Validate(
            o => string.Equals(o.DocumentsContainer, Documents.IngestFunction.DocumentsContainer, StringComparison.Ordinal),
            $"LabelingStorage:DocumentsContainer must be '{Documents.IngestFunction.DocumentsContainer}' in the Functions app: the Ingest trigger watches that container (its path is fixed when the app is built).");
        services.AddOptions<WorkflowHistoryOptions>().Bind(configuration.GetSection(WorkflowHistoryOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<CrowdWorkflowOptions>().Bind(configuration.GetSection(CrowdWorkflowOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<WorkflowHistoryPurge>();
        services.AddWorkerTelemetry(configuration);
        return services;
    }
}
