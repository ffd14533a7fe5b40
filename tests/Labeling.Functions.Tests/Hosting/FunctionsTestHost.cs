using Labeling.Adapters.Azure.Messaging;
using Labeling.Application.Ports;
using Labeling.Functions.Crowd;
using Labeling.Functions.Http;
using Labeling.Orchestration.Crowd;
using Labeling.TestSupport.Emulators;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Labeling.Functions.Tests.Hosting;

/// <summary>
/// The Functions app without the Functions host (which cannot run here): its composition
/// (<see cref="LabelingFunctionsServiceCollectionExtensions.AddLabelingFunctions"/>) on Azurite and the Cosmos
/// DB server, the <c>Api</c> trigger's class behind a <see cref="TestServer"/>, and the <c>CollectVotes</c>
/// orchestrator and activities of <see cref="CollectVotesFunctions"/> in the in-process Durable host.
/// Only authentication differs from Azure: tokens are signed by <see cref="TestTokens"/> instead of Entra ID.
/// </summary>
public sealed class FunctionsTestHost : IAsyncDisposable
{
    private readonly IHost _host;

    private FunctionsTestHost(IHost host, DurableTaskTestHost durable, TestTokens tokens, CapturingSender sender, string database)
    {
        _host = host;
        Durable = durable;
        Tokens = tokens;
        ServiceBus = sender;
        Database = database;
    }

    public IServiceProvider Services => _host.Services;

    public DurableTaskTestHost Durable { get; }

    public TestTokens Tokens { get; }

    /// <summary>What the <c>label.ready</c> publisher sent to the topic.</summary>
    public CapturingSender ServiceBus { get; }

    /// <summary>This host's own Cosmos database.</summary>
    public string Database { get; }

    public static IReadOnlyDictionary<string, string?> Settings(AzuriteFixture azurite, CosmosEmulatorFixture cosmos, string database) => new Dictionary<string, string?>
    {
        ["AzureAd:Instance"] = "https://login.microsoftonline.com/",
        ["AzureAd:TenantId"] = TestTokens.TenantId,
        ["AzureAd:ClientId"] = "labeling-tests",
        ["Cosmos:ConnectionString"] = cosmos.ConnectionString,
        ["Cosmos:Emulator"] = "true",
        ["Cosmos:CreateIfMissing"] = "true",
        ["Cosmos:Database"] = database,
        ["Storage:ConnectionString"] = azurite.ConnectionString,
        ["ServiceBus:FullyQualifiedNamespace"] = "",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    public static async Task<FunctionsTestHost> StartAsync(AzuriteFixture azurite, CosmosEmulatorFixture cosmos, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var tokens = new TestTokens();
        var sender = new CapturingSender();
        var database = "fn-" + Guid.NewGuid().ToString("N")[..10];
        DurableTaskTestHost? durable = null;
        var host = new HostBuilder()
            .ConfigureAppConfiguration(config => config
                .AddInMemoryCollection(Settings(azurite, cosmos, database))
                .AddInMemoryCollection(overrides ?? new Dictionary<string, string?>()))
            .ConfigureLogging(logging => logging.AddConsole().SetMinimumLevel(LogLevel.Warning))
            .ConfigureServices((context, services) =>
            {
                services.AddLabelingFunctions(context.Configuration);
                UseTestSigningKey(services, tokens);
                services.Replace(ServiceDescriptor.Singleton<IEnumerable<IEventSink>>(new IEventSink[] { new ServiceBusEventSink(sender) }));
            })
            .ConfigureWebHost(web => web.UseTestServer().Configure(app =>
            {
                // What the Functions ASP.NET Core integration does for the Api trigger: activate the function
                // class from the app's services and hand it the request and the Durable client binding.
                var api = ActivatorUtilities.CreateInstance<ApiFunction>(app.ApplicationServices);
                app.Run(context => api.RunAsync(context.Request, durable!.Client));
            }))
            .Build();
        await host.StartAsync();
        var functions = ActivatorUtilities.CreateInstance<CollectVotesFunctions>(host.Services);
        durable = await DurableTaskTestHost.StartAsync(tasks =>
        {
            tasks.AddOrchestratorFunc<CollectVotesInput, CollectVotesResult?>(CollectVotesOrchestration.Name, (context, _) => CollectVotesFunctions.CollectVotes(context));
            tasks.AddActivityFunc<ItemReference, CrowdObservation>(CollectVotesActivities.OpenForCrowd, (_, item) => functions.OpenForCrowdAsync(item, CancellationToken.None));
            tasks.AddActivityFunc<ObserveVoteInput, CrowdObservation>(CollectVotesActivities.ObserveVote, (_, input) => functions.ObserveVoteAsync(input, CancellationToken.None));
            tasks.AddActivityFunc<ItemReference, CrowdObservation>(CollectVotesActivities.ReturnToPool, (_, item) => functions.ReturnToPoolAsync(item, CancellationToken.None));
            tasks.AddActivityFunc<CompleteItemInput, int>(CollectVotesActivities.Complete, (_, input) => functions.CompleteAsync(input, CancellationToken.None));
        }, new DurableTaskTestHostOptions { LoggerFactory = host.Services.GetRequiredService<ILoggerFactory>() });
        return new FunctionsTestHost(host, durable, tokens, sender, database);
    }

    /// <summary>Creates a function class the way the Functions worker does: from the app's services.</summary>
    public T Function<T>()
        where T : class => ActivatorUtilities.CreateInstance<T>(Services);

    public HttpClient Client(string? token)
    {
        var client = _host.GetTestClient();
        client.BaseAddress = new Uri("https://labeling.test/");
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await Durable.DisposeAsync();
        await _host.StopAsync();
        _host.Dispose();
    }

    /// <summary>KNOWN-GOOD "Auth in tests": keep Microsoft.Identity.Web, point its JwtBearer options at the local key.</summary>
    private static void UseTestSigningKey(IServiceCollection services, TestTokens tokens) =>
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).PostConfigure(options =>
        {
            options.Authority = null;
            options.MetadataAddress = null!;
            options.ConfigurationManager = null;
            var parameters = options.TokenValidationParameters;
            parameters.IssuerValidator = null;
            parameters.ValidIssuer = TestTokens.Issuer;
            parameters.ValidAudience = TestTokens.Audience;
            parameters.IssuerSigningKey = tokens.Key;
        });
}
