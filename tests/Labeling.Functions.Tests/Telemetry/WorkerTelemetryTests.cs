using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Labeling.Adapters.Azure.Hosting;
using Labeling.Functions.Telemetry;
using Labeling.Functions.Tests.Hosting;
using Labeling.Functions.Tests.Metadata;
using Labeling.TestSupport;
using Labeling.TestSupport.Emulators;
using Microsoft.ApplicationInsights;
using Microsoft.ApplicationInsights.Channel;
using Microsoft.ApplicationInsights.DataContracts;
using Microsoft.ApplicationInsights.Extensibility;
using Microsoft.ApplicationInsights.WindowsServer.TelemetryChannel;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.ApplicationInsights;
using Microsoft.Extensions.Options;

namespace Labeling.Functions.Tests.Telemetry;

/// <summary>
/// The worker's Application Insights telemetry, built as <c>Program.cs</c> builds the app, with the settings
/// functions.bicep gives it. What the SDK would send goes to a <see cref="CapturingTelemetryChannel"/>; every endpoint
/// in the connection string is loopback, and the modules that call out when initialized (Live Metrics, with a token
/// for it, and the instance metadata endpoint) are switched off by configuration, so nothing leaves the machine.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class WorkerTelemetryTests(AzuriteFixture azurite, CosmosEmulatorFixture cosmos)
{
    private const string IdentityClientId = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
    private const string ConnectionString = "InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=http://127.0.0.1:9/;LiveEndpoint=http://127.0.0.1:9/";
    private const string HostLogRelayOff = "WorkerApplicationInsightsLoggingEnabled";

    [Fact]
    public void AddLabelingFunctions_NoConnectionString_RegistersNoTelemetryAndLeavesLogsToTheHost()
    {
        var (host, channel, registrations) = Build(withTelemetry: false, "telemetry-off");
        using (host)
        {
            Assert.DoesNotContain(registrations, d => d.ServiceType == typeof(TelemetryClient));
            Assert.DoesNotContain(registrations, d => d.ImplementationType == typeof(ApplicationInsightsLoggerProvider));
            Assert.False(host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.Capabilities.ContainsKey(HostLogRelayOff));

            host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Labeling.Tests").LogError("nothing sends this");

            Assert.Empty(channel.Items);
        }
    }

    [Fact]
    public void AddLabelingFunctions_BicepSettings_SendsWithTheManagedIdentityAndTakesTheLogsFromTheHost()
    {
        var (host, _, _) = Build(withTelemetry: true, "telemetry-identity");
        using (host)
        {
            var configuration = host.Services.GetRequiredService<TelemetryConfiguration>();

            Assert.Equal(ConnectionString, configuration.ConnectionString);
            // Local auth is off on the resource: without a credential every item would be refused.
            Assert.IsType<ManagedIdentityCredential>(CredentialOf(configuration));
            // The host stops forwarding the worker's logs to Application Insights, so no line arrives twice.
            Assert.Equal(bool.TrueString, host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.Capabilities[HostLogRelayOff]);
        }
    }

    [Fact]
    public void Sampling_BicepSettings_SamplesDependenciesOnlyAsHostJsonDoesForTheHost()
    {
        var (host, _, _) = Build(withTelemetry: true, "telemetry-sampling");
        using (host)
        {
            var processors = host.Services.GetRequiredService<TelemetryConfiguration>().DefaultTelemetrySink.TelemetryProcessors;

            // One sampler (the SDK's default, which also samples traces, is off), and it leaves the alerts' lines alone.
            var sampler = Assert.Single(processors.OfType<AdaptiveSamplingTelemetryProcessor>());
            Assert.Equal(WorkerTelemetry.UnsampledTypes, sampler.ExcludedTypes);
            Assert.Equal(WorkerTelemetry.MaxTelemetryItemsPerSecond, sampler.MaxTelemetryItemsPerSecond);
            var hostJson = File.ReadAllText(Path.Combine(RepositoryFiles.Root(), "host.json"));
            var hostExcluded = Regex.Match(hostJson, @"""excludedTypes"":\s*""([^""]+)""").Groups[1].Value.Split(';');
            Assert.All(hostExcluded, type => Assert.Contains(type, sampler.ExcludedTypes.Split(';')));
        }
    }

    [Fact]
    public void AlertedLogLines_BicepSettings_ReachAppTracesAsTheAlertQueriesMatchThem()
    {
        var (host, channel, _) = Build(withTelemetry: true, "telemetry-alerts");
        using (host)
        {
            var loggers = host.Services.GetRequiredService<ILoggerFactory>();
            var templates = AlertQueryTests.LoggerMessages();
            var queries = AlertQueryTests.MessageFilters();
            Assert.Equal(5, queries.Count);

            foreach (var (query, filters) in queries)
            {
                var (method, template) = Assert.Single(templates, t => AlertQueryTests.Matches(t.Template.Message, filters, StringComparison.Ordinal));
                Assert.True(method.IsStatic, $"{method.DeclaringType}.{method.Name} takes its logger as a parameter");
                var category = method.DeclaringType!.FullName!;
                method.Invoke(null, Arguments(method, loggers.CreateLogger(category)));

                // What the rule's query would find in AppTraces: a trace (not an exception record) with the message.
                // By template, not by the EventId property: a template with an {EventId} placeholder (5002) overwrites it.
                var trace = Assert.Single(channel.Items.OfType<TraceTelemetry>(), t => t.Properties.TryGetValue("OriginalFormat", out var format) && format == template.Message);
                Assert.True(AlertQueryTests.Matches(trace.Message, filters, StringComparison.OrdinalIgnoreCase), $"'{query}' does not match the trace '{trace.Message}'");
                Assert.Equal(category, trace.Properties["CategoryName"]);
                Assert.Equal(template.Level == LogLevel.Error ? SeverityLevel.Error : SeverityLevel.Warning, trace.SeverityLevel);
                if (method.GetParameters().Any(p => p.ParameterType == typeof(Exception)))
                {
                    Assert.Equal(LoggedFailure, trace.Properties["ExceptionMessage"]);
                }
            }

            Assert.DoesNotContain(channel.Items.OfType<ExceptionTelemetry>(), e => e.Properties.ContainsKey("FormattedMessage"));
        }
    }

    [Fact]
    public void WorkerLogs_BicepSettings_KeepTheAppsInformationAndOtherwiseWarningsUp()
    {
        var (host, channel, _) = Build(withTelemetry: true, "telemetry-levels");
        using (host)
        {
            var loggers = host.Services.GetRequiredService<ILoggerFactory>();
            var app = loggers.CreateLogger("Labeling.Application.Documents.DocumentIngestion");
            var framework = loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics");

            app.Log(LogLevel.Information, "app information");
            app.Log(LogLevel.Debug, "app debug");
            framework.Log(LogLevel.Information, "framework information");
            framework.Log(LogLevel.Warning, "framework warning");

            string[] logged = ["app information", "app debug", "framework information", "framework warning"];
            var sent = channel.Items.OfType<TraceTelemetry>().Select(t => t.Message).Where(logged.Contains).Order(StringComparer.Ordinal);
            Assert.Equal(new[] { "app information", "framework warning" }, sent);
        }
    }

    [Fact]
    public async Task AppCalls_BicepSettings_CosmosStorageAndServiceBusCallsBecomeDependencies()
    {
        var (host, channel, _) = Build(withTelemetry: true, "telemetry-dependencies");
        using (host)
        {
            // The logger provider resolves the configuration at start, which starts the collectors.
            host.Services.GetRequiredService<TelemetryConfiguration>();
            string operation;
            using (var activity = new Activity("worker-telemetry-test").Start())
            {
                operation = activity.TraceId.ToHexString();

                // The app's own Cosmos DB, Blob and Queue clients: the initializer creates the database, containers and queues.
                await ActivatorUtilities.CreateInstance<AzureResourceInitializer>(host.Services).StartAsync(CancellationToken.None);

                // Service Bus has no emulator here: a send to a closed loopback port fails at once, and is recorded all the same.
                await using var serviceBus = new ServiceBusClient(
                    "Endpoint=sb://127.0.0.1/;SharedAccessKeyName=test;SharedAccessKey=dGVzdA==",
                    new ServiceBusClientOptions { RetryOptions = new ServiceBusRetryOptions { MaxRetries = 0, TryTimeout = TimeSpan.FromSeconds(5) } });
                await Assert.ThrowsAsync<ServiceBusException>(() => serviceBus.CreateSender("label-events").SendMessageAsync(new ServiceBusMessage("{}")));
            }

            // Other tests' calls in this process may be collected too; these are the ones under this test's operation.
            var dependencies = channel.Items.OfType<DependencyTelemetry>().Where(d => d.Context.Operation.Id == operation).ToArray();
            Assert.Contains(dependencies, d => d.Type.EndsWith("Microsoft.DocumentDB", StringComparison.Ordinal));
            Assert.Contains(dependencies, d => d.Type.EndsWith("Microsoft.Storage", StringComparison.Ordinal) && d.Name == "BlobContainerClient.CreateIfNotExists");
            Assert.Contains(dependencies, d => d.Type.EndsWith("Microsoft.Storage", StringComparison.Ordinal) && d.Name == "QueueClient.CreateIfNotExists");
            Assert.Contains(dependencies, d => d.Type == "Azure Service Bus" && d.Name == "ServiceBusSender.Send" && d.Success == false);
        }
    }

    private const string LoggedFailure = "logged failure";

    private (IHost Host, CapturingTelemetryChannel Channel, ServiceDescriptor[] Registrations) Build(bool withTelemetry, string database)
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.ConfigureFunctionsWebApplication();
        var settings = new Dictionary<string, string?>(FunctionsTestHost.Settings(azurite, cosmos, database));
        if (withTelemetry)
        {
            settings["APPLICATIONINSIGHTS_CONNECTION_STRING"] = ConnectionString;
            settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] = BicepAuthenticationString().Replace("${identityClientId}", IdentityClientId, StringComparison.Ordinal);
            settings["ApplicationInsights:EnableQuickPulseMetricStream"] = "false";
            settings["ApplicationInsights:EnableAzureInstanceMetadataTelemetryModule"] = "false";
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLabelingFunctions(builder.Configuration);
        var registrations = builder.Services.ToArray();
        var channel = new CapturingTelemetryChannel();
        builder.Services.AddSingleton<ITelemetryChannel>(channel);
        return (builder.Build(), channel, registrations);
    }

    /// <summary>The value functions.bicep gives <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c>, with its placeholder.</summary>
    private static string BicepAuthenticationString()
    {
        var bicep = File.ReadAllText(Path.Combine(RepositoryFiles.Root(), "infra", "app", "functions.bicep"));
        var value = Regex.Match(bicep, @"APPLICATIONINSIGHTS_AUTHENTICATION_STRING: '([^']*)'").Groups[1].Value;
        Assert.Contains("${identityClientId}", value, StringComparison.Ordinal);
        return value;
    }

    /// <summary>The credential the SDK was given: it keeps it internal (wrapped by SetAzureTokenCredential), so read it back by reflection.</summary>
    private static object? CredentialOf(TelemetryConfiguration configuration)
    {
        const BindingFlags Internal = BindingFlags.Instance | BindingFlags.NonPublic;
        var envelope = typeof(TelemetryConfiguration).GetProperty("CredentialEnvelope", Internal)?.GetValue(configuration);
        return envelope?.GetType().GetProperty("Credential", Internal)?.GetValue(envelope);
    }

    private static object?[] Arguments(MethodInfo method, ILogger logger) => method.GetParameters()
        .Select(p => p.ParameterType switch
        {
            var t when t == typeof(ILogger) => logger,
            var t when t == typeof(Exception) => new InvalidOperationException(LoggedFailure),
            var t when t == typeof(string) => "x",
            var t => Convert.ChangeType(1, t, CultureInfo.InvariantCulture),
        })
        .ToArray();
}
