using System.Net.Http.Json;
using Labeling.Adapters.Azure.Messaging;
using Labeling.Application.Documents;
using Labeling.Application.Ports;
using Labeling.Application.Projects;
using Labeling.Application.WeakLabeling;
using Labeling.Domain.Items;
using Labeling.Functions.Crowd;
using Labeling.Functions.Http;
using Labeling.TestSupport.Emulators;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.DurableTask.Client;
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
/// activities of <see cref="CollectVotesFunctions"/> attached to a <see cref="DurableBackend"/>. Only
/// authentication differs from Azure: tokens are signed by <see cref="TestTokens"/> instead of Entra ID.
/// </summary>
/// <remarks>
/// <see cref="RestartAsync"/> stops this instance the way the Functions host drains one (new requests get 503,
/// the requests and activities in flight finish, then its services are disposed) and starts a new one, with
/// empty caches and a truth model reloaded from Cosmos, on the same database, task hub, signing key and topic.
/// </remarks>
public sealed class FunctionsTestHost : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly InFlightRequests _requests;
    private DurableBackend? _backend;

    private FunctionsTestHost(IHost host, InFlightRequests requests, DurableBackend backend, TestTokens tokens, CapturingSender sender, string database)
    {
        _host = host;
        _requests = requests;
        _backend = backend;
        Durable = backend.Client;
        Tokens = tokens;
        ServiceBus = sender;
        Database = database;
    }

    public IServiceProvider Services => _host.Services;

    /// <summary>The Durable client binding's client.</summary>
    public DurableTaskClient Durable { get; }

    public TestTokens Tokens { get; }

    /// <summary>What the <c>label.ready</c> publisher sent to the topic (across restarts).</summary>
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
        ["LabelingStorage:ConnectionString"] = azurite.ConnectionString,
        ["ServiceBus:FullyQualifiedNamespace"] = "",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    /// <summary>Starts the app on a new database with its own Durable backend.</summary>
    /// <param name="azurite">Storage.</param>
    /// <param name="cosmos">The Cosmos DB server.</param>
    /// <param name="overrides">Settings on top of <see cref="Settings"/>.</param>
    /// <param name="logs">A provider that also receives the app's logs (the settings' levels apply), or null.</param>
    /// <param name="apiClient">What the <c>Api</c> trigger's Durable client binding gives, made from the backend's client; null for that client itself.</param>
    /// <param name="services">Changes to the app's services after its own registrations (a store wrapped to fail).</param>
    public static async Task<FunctionsTestHost> StartAsync(
        AzuriteFixture azurite, CosmosEmulatorFixture cosmos, IReadOnlyDictionary<string, string?>? overrides = null, ILoggerProvider? logs = null,
        Func<DurableTaskClient, DurableTaskClient>? apiClient = null, Action<IServiceCollection>? services = null)
    {
        var backend = await DurableBackend.StartAsync(QuietLoggerFactory());
        return await StartAsync(azurite, cosmos, overrides, backend, new TestTokens(), new CapturingSender(), "fn-" + Guid.NewGuid().ToString("N")[..10], logs, apiClient, services);
    }

    /// <summary>
    /// Stops this instance (new requests get 503, requests and activities in flight finish, then its services stop)
    /// and starts a new one on the same database, Durable backend, signing key and topic. Dispose the new one.
    /// </summary>
    public async Task<FunctionsTestHost> RestartAsync(AzuriteFixture azurite, CosmosEmulatorFixture cosmos, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var backend = _backend ?? throw new InvalidOperationException("This host was already stopped.");
        await StopAsync();
        _backend = null;
        return await StartAsync(azurite, cosmos, overrides, backend, Tokens, ServiceBus, Database);
    }

    /// <summary>
    /// The demo project (created if it is not there) with one comment no rule matches, uploaded, ingested and weak-labeled:
    /// the item's id. The item collects crowd votes; its crowd workflow is not started.
    /// </summary>
    public async Task<string> CollectingDemoItemAsync()
    {
        await Services.GetRequiredService<IProjectStore>().TryCreateAsync(DemoProject.Create(DateTimeOffset.UtcNow), CancellationToken.None);
        var text = $"a comment nobody's rules match {Guid.NewGuid():N}";
        var stored = await Services.GetRequiredService<IDocumentSource>().SaveUploadAsync(
            DemoProject.Id, "one.csv", new MemoryStream(System.Text.Encoding.UTF8.GetBytes($"CONTENT,CLASS\n{text},0\n")), CancellationToken.None);
        await Services.GetRequiredService<DocumentIngestion>().IngestAsync(stored, CancellationToken.None);
        var items = Services.GetRequiredService<IItemStore>();
        var item = Xunit.Assert.Single(await items.ListAsync(DemoProject.Id, null, null, 10, CancellationToken.None), i => i.Text.Contains(text, StringComparison.Ordinal));
        await Services.GetRequiredService<WeakLabeler>().LabelAsync(DemoProject.Id, [item.Id], CancellationToken.None);
        Xunit.Assert.Equal(ItemState.Collecting, (await items.GetAsync(DemoProject.Id, item.Id, CancellationToken.None))!.State);
        return item.Id;
    }

    /// <summary>A worker leases the demo project's next task and answers it with the label (a 200 asserted): the item's id.</summary>
    public async Task<string> LeaseAndVoteAsync(string worker, string label)
    {
        using var client = Client(Tokens.Mint(worker, "Labeler"));
        var next = await client.GetAsync($"/api/projects/{DemoProject.Id}/tasks/next");
        Xunit.Assert.Equal(System.Net.HttpStatusCode.OK, next.StatusCode);
        var task = System.Text.Json.Nodes.JsonNode.Parse(await next.Content.ReadAsStringAsync())!;
        var vote = await client.PostAsJsonAsync($"/api/tasks/{task["leaseId"]!.GetValue<string>()}/votes", new { label });
        Xunit.Assert.True(vote.StatusCode == System.Net.HttpStatusCode.OK, $"vote: {(int)vote.StatusCode} {await vote.Content.ReadAsStringAsync()}");
        return task["itemId"]!.GetValue<string>();
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
        await StopAsync();
        if (_backend is not null)
        {
            await _backend.DisposeAsync();
            _backend = null;
        }
    }

    private static async Task<FunctionsTestHost> StartAsync(
        AzuriteFixture azurite, CosmosEmulatorFixture cosmos, IReadOnlyDictionary<string, string?>? overrides,
        DurableBackend backend, TestTokens tokens, CapturingSender sender, string database, ILoggerProvider? logs = null,
        Func<DurableTaskClient, DurableTaskClient>? apiClient = null, Action<IServiceCollection>? extra = null)
    {
        var requests = new InFlightRequests();
        var host = new HostBuilder()
            .ConfigureAppConfiguration(config => config
                .AddInMemoryCollection(Settings(azurite, cosmos, database))
                .AddInMemoryCollection(overrides ?? new Dictionary<string, string?>()))
            .ConfigureLogging((context, logging) =>
            {
                // The Functions worker reads levels from the "Logging" section; so does this host.
                logging.AddConsole().SetMinimumLevel(LogLevel.Warning).AddConfiguration(context.Configuration.GetSection("Logging"));
                if (logs is not null)
                {
                    logging.AddProvider(logs);
                }
            })
            .ConfigureServices((context, services) =>
            {
                services.AddLabelingFunctions(context.Configuration);
                UseTestSigningKey(services, tokens);
                services.Replace(ServiceDescriptor.Singleton<IEnumerable<IEventSink>>(new IEventSink[] { new ServiceBusEventSink(sender) }));
                extra?.Invoke(services);
            })
            .ConfigureWebHost(web => web.UseTestServer().Configure(app =>
            {
                // What the Functions ASP.NET Core integration does for the Api trigger: activate the function
                // class from the app's services and hand it the request and the Durable client binding.
                var api = ActivatorUtilities.CreateInstance<ApiFunction>(app.ApplicationServices);
                var client = apiClient?.Invoke(backend.Client) ?? backend.Client;
                app.Run(context => requests.RunAsync(context, () => api.RunAsync(context.Request, client)));
            }))
            .Build();
        await host.StartAsync();
        backend.Attach(ActivatorUtilities.CreateInstance<CollectVotesFunctions>(host.Services));
        return new FunctionsTestHost(host, requests, backend, tokens, sender, database);
    }

    private async Task StopAsync()
    {
        if (!_requests.Close())
        {
            return;
        }

        await _requests.DrainAsync(TimeSpan.FromSeconds(60));
        if (_backend is not null)
        {
            await _backend.DetachAsync(TimeSpan.FromSeconds(60));
        }

        await _host.StopAsync();
        _host.Dispose();
    }

    private static ILoggerFactory QuietLoggerFactory() =>
        LoggerFactory.Create(logging => logging.AddConsole().SetMinimumLevel(LogLevel.Warning));

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

    /// <summary>Requests in flight, so that a stop lets them finish and turns new ones away with 503.</summary>
    private sealed class InFlightRequests
    {
        private readonly object _gate = new();
        private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _running;
        private bool _closed;

        public async Task RunAsync(HttpContext context, Func<Task> next)
        {
            lock (_gate)
            {
                if (_closed)
                {
                    context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                    return;
                }

                _running++;
            }

            try
            {
                await next();
            }
            finally
            {
                lock (_gate)
                {
                    if (--_running == 0 && _closed)
                    {
                        _drained.TrySetResult();
                    }
                }
            }
        }

        /// <summary>Turns new requests away; false if already closed.</summary>
        public bool Close()
        {
            lock (_gate)
            {
                if (_closed)
                {
                    return false;
                }

                _closed = true;
                if (_running == 0)
                {
                    _drained.TrySetResult();
                }

                return true;
            }
        }

        public Task DrainAsync(TimeSpan patience) => _drained.Task.WaitAsync(patience);
    }
}
