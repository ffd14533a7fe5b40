using Microsoft.ApplicationInsights.Extensibility;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.ApplicationInsights;

namespace Labeling.Functions.Telemetry;

/// <summary>
/// The worker's own Application Insights telemetry: dependencies of the app's Cosmos DB, Storage and Service Bus
/// calls (they run in this process, where the Functions host cannot see them) and the app's log lines, sent by the
/// Application Insights Worker Service SDK with the Functions worker's integration
/// (<c>AddApplicationInsightsTelemetryWorkerService().ConfigureFunctionsApplicationInsights()</c>, as the isolated
/// worker guide documents).
/// </summary>
/// <remarks>
/// <para>Only when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set: without it nothing is registered, nothing is
/// sent, and the worker's logs go to the Functions host as before (the tests host the app that way).</para>
/// <para>Entra ID: the Functions integration reads <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c>
/// (<c>ClientId=…;Authorization=AAD</c>, the setting the host reads too) and gives the SDK a
/// <c>ManagedIdentityCredential</c> for that client id; the resource has local auth off, so without the setting
/// ingestion is refused.</para>
/// <para>Logs: the integration stops the host from forwarding the worker's logs to Application Insights; the
/// worker sends them itself. The SDK's default rule keeps its provider at Warning and above; the app's own
/// categories (<c>Labeling.*</c>) are kept from Information, as the host kept them (host.json, <c>default</c>
/// Information), while framework, Azure SDK and Durable Task worker lines stay at Warning. A line logged with an
/// exception stays a trace (message as logged, exception in <c>ExceptionMessage</c> and
/// <c>ExceptionStackTrace</c>): the log alerts count <c>AppTraces</c>, and the SDK would otherwise turn lines 9001
/// and 9202 into <c>AppExceptions</c> records without their message.</para>
/// <para>Sampling: host.json's sampling settings govern the host only. The worker replaces the SDK's default
/// (which samples everything but events at 5 items/s) with the host's: adaptive, 20 items/s per instance, and
/// requests, traces, exceptions and events never sampled, so only dependencies are.</para>
/// </remarks>
internal static class WorkerTelemetry
{
    /// <summary>The app setting that switches the worker's telemetry on.</summary>
    internal const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>Telemetry types adaptive sampling never drops: host.json's <c>Request;Trace;Exception</c>, and events.</summary>
    internal const string UnsampledTypes = "Event;Exception;Request;Trace";

    /// <summary>Target rate of the adaptive sampler per instance: the Functions host's default.</summary>
    internal const double MaxTelemetryItemsPerSecond = 20;

    /// <summary>Category prefix of the app's own loggers, kept from Information.</summary>
    internal const string AppCategories = "Labeling";

    /// <summary>Adds the worker's telemetry when <see cref="ConnectionStringSetting"/> is set (see the remarks).</summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration root (app settings are environment variables).</param>
    /// <returns>The services.</returns>
    internal static IServiceCollection AddWorkerTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(configuration[ConnectionStringSetting]))
        {
            return services;
        }

        // Registered before the SDK on purpose: options setups run in registration order, and the SDK's own setup,
        // which runs next, builds the processor chain with this sampler in it. Built here or later, it would be
        // built twice (a second Live Metrics processor) or not at all.
        services.Configure<TelemetryConfiguration>(telemetry => telemetry.DefaultTelemetrySink.TelemetryProcessorChainBuilder
            .UseAdaptiveSampling(MaxTelemetryItemsPerSecond, excludedTypes: UnsampledTypes));
        services.AddApplicationInsightsTelemetryWorkerService(options => options.EnableAdaptiveSampling = false);
        services.ConfigureFunctionsApplicationInsights();
        services.Configure<ApplicationInsightsLoggerOptions>(options => options.TrackExceptionsAsExceptionTelemetry = false);
        services.AddLogging(logging => logging.AddFilter<ApplicationInsightsLoggerProvider>(AppCategories, LogLevel.Information));
        return services;
    }
}
