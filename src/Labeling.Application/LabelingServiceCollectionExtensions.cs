using Labeling.Application.Crowd;
using Labeling.Application.Documents;
using Labeling.Application.Events;
using Labeling.Application.Export;
using Labeling.Application.Gold;
using Labeling.Application.Http;
using Labeling.Application.Ingestion;
using Labeling.Application.Items;
using Labeling.Application.Projects;
using Labeling.Application.Review;
using Labeling.Application.Truth;
using Labeling.Application.WeakLabeling;
using Labeling.Application.Work;
using Labeling.Application.Workers;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Labeling.Application;

/// <summary>Registers the labeling use cases, their options, the HTTP API's services and authorization policies.</summary>
public static class LabelingServiceCollectionExtensions
{
    /// <summary>
    /// Adds the use cases (ingest, weak-label, lease, vote, gold, review, export, dispatch), options
    /// bound from <c>Labeling</c>, <c>Ingestion</c> and <c>Events</c> (validated on start), problem
    /// details, JSON conventions and the Labeler/Reviewer/Admin policies. Hosts add the ports' adapters.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration root.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddLabelingApplication(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<LabelingOptions>().Bind(configuration.GetSection(LabelingOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<IngestionOptions>().Bind(configuration.GetSection(IngestionOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<EventDeliveryOptions>().Bind(configuration.GetSection(EventDeliveryOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();

        services.TryAddSingleton(DocumentParserRegistry.CreateDefault());
        services.TryAddSingleton<ProjectModels>();
        services.TryAddSingleton<ProjectService>();
        services.AddOptions<ProjectDeletionOptions>().Bind(configuration.GetSection(ProjectDeletionOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<ProjectDeletion>();
        services.TryAddSingleton<WeakLabeler>();
        services.TryAddSingleton<DocumentIngestion>();
        services.TryAddSingleton<SpentBudgetSweep>();
        services.TryAddSingleton<TaskLeasing>();
        services.TryAddSingleton<TaskRelease>();
        services.TryAddSingleton<VoteRecording>();
        services.TryAddSingleton<GoldSeeding>();
        services.TryAddSingleton<ReviewResolution>();
        services.TryAddSingleton<ItemQueries>();
        services.TryAddSingleton<WorkerStatistics>();
        services.TryAddSingleton<Labelers.LabelerReliabilities>();
        services.TryAddSingleton<LabelExport>();
        services.TryAddSingleton<EventDispatcher>();
        services.TryAddSingleton<DeadLetterRedelivery>();
        services.AddSingleton<IWorkHandler>(sp => sp.GetRequiredService<WeakLabeler>());
        services.AddSingleton<IWorkHandler, IngestDocumentHandler>();

        services.AddProblemDetails(o => o.CustomizeProblemDetails = AccessRefusal.Describe);
        services.AddExceptionHandler<LabelingExceptionHandler>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(o =>
        {
            LabelingJson.Apply(o.SerializerOptions);
            // A request body's misspelt property (`crowdTargte`) was dropped without a word and the default used: a project,
            // then fixed once created, ran on a target its admin never chose. Only request bodies are strict;
            // stored documents (Cosmos DB adds its own properties) are read with LabelingJson.Options, which is not.
            o.SerializerOptions.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow;
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(LabelingRoles.LabelerPolicy, p => p.RequireAuthenticatedUser().RequireRole(LabelingRoles.Labeler))
            .AddPolicy(LabelingRoles.ReviewerPolicy, p => p.RequireAuthenticatedUser().RequireRole(LabelingRoles.Reviewer, LabelingRoles.Admin))
            .AddPolicy(LabelingRoles.AdminPolicy, p => p.RequireAuthenticatedUser().RequireRole(LabelingRoles.Admin))
            .AddPolicy(LabelingRoles.AnyRolePolicy, p => p.RequireAuthenticatedUser().RequireRole(LabelingRoles.All))
            // Every route names its policy (or AllowAnonymous, as /health does); one added without either still
            // needs a valid token with a role, as does a path that matches no route (answered 401 before 404).
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireRole(LabelingRoles.All).Build());
        return services;
    }
}
