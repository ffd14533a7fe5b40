using System.Reflection;
using Labeling.Adapters.Azure.Hosting;
using Labeling.Application.Events;
using Labeling.Application.Ports;
using Labeling.Functions.Http;
using Labeling.TestSupport.Emulators;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Labeling.Functions.Tests.Hosting;

/// <summary>The Functions app's own host builder, as <c>Program.cs</c> builds it, resolves everything the functions need.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class FunctionsCompositionTests(AzuriteFixture azurite, CosmosEmulatorFixture cosmos)
{
    [Fact]
    public async Task Program_HostBuiltWithEmulatorSettings_ResolvesEveryFunctionClassAndApplicationService()
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.ConfigureFunctionsWebApplication();
        builder.Configuration.AddInMemoryCollection(FunctionsTestHost.Settings(azurite, cosmos, "composition"));
        builder.Services.AddLabelingFunctions(builder.Configuration);
        var registrations = builder.Services.ToArray();
        using var host = builder.Build();
        var services = host.Services;

        // Options validated on start (ValidateOnStart) run here, as they would when the worker starts.
        services.GetRequiredService<IStartupValidator>().Validate();

        var functionClasses = typeof(LabelingFunctionsServiceCollectionExtensions).Assembly.GetTypes()
            .Where(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static).Any(m => m.GetCustomAttribute<FunctionAttribute>() is not null))
            .ToArray();
        Assert.Contains(typeof(ApiFunction), functionClasses);
        Assert.True(functionClasses.Length >= 4, $"found only {string.Join(", ", functionClasses.Select(t => t.Name))}");
        // Each resolution below throws when a dependency is missing or cannot be built; that is the check.
        foreach (var type in functionClasses.Where(t => !t.IsAbstract))
        {
            // The worker activates function classes with ActivatorUtilities over the app's services.
            ActivatorUtilities.CreateInstance(services, type);
        }

        var applicationServices = typeof(Labeling.Application.LabelingOptions).Assembly.GetTypes()
            .Where(t => t.IsPublic && t.IsClass && !t.IsAbstract && services.GetService<IServiceProviderIsService>()!.IsService(t))
            .ToArray();
        Assert.Contains(typeof(EventDispatcher), applicationServices);
        Assert.True(applicationServices.Length >= 10, $"found only {string.Join(", ", applicationServices.Select(t => t.Name))}");
        foreach (var service in applicationServices)
        {
            services.GetRequiredService(service);
        }

        foreach (var port in new[] { typeof(IProjectStore), typeof(IItemStore), typeof(ILeaseStore), typeof(ILabelerStore), typeof(IDocumentStore), typeof(IIdempotencyStore), typeof(IEventOutbox), typeof(IWorkQueue), typeof(IDocumentSource), typeof(IChatModelCatalog) })
        {
            services.GetRequiredService(port);
        }

        services.GetRequiredService<LabelingApiPipeline>();

        // The hosted services include the worker's gRPC channel to the Functions host, which needs the host to
        // exist; so only check that ours is registered: it creates the emulators' containers on start.
        Assert.Contains(registrations, d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(AzureResourceInitializer));
        await Task.CompletedTask;
    }

    [Fact]
    public void Program_DocumentsContainerOtherThanTheTriggersPath_FailsAtStartNamingIt()
    {
        // Uploads went to the configured container while the Ingest trigger watched documents/: none was ever read.
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(FunctionsTestHost.Settings(azurite, cosmos, "container"));
        builder.Configuration.AddInMemoryCollection([new("LabelingStorage:DocumentsContainer", "uploads")]);
        builder.Services.AddLabelingFunctions(builder.Configuration);
        using var host = builder.Build();

        var failure = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("LabelingStorage:DocumentsContainer must be 'documents'", failure.Message, StringComparison.Ordinal);
    }
}
