using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Labeling.Application.Truth;

/// <summary>Registers the batch re-fit, which both hosts run on a schedule and <c>POST /api/projects/{id}/refit</c> runs on demand.</summary>
public static class ReliabilityRefitServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="ReliabilityRefit"/> with its options bound from <c>Refit</c> (validated on start). The host adds an
    /// <see cref="Ports.IReliabilityRefitStore"/> and whatever runs it periodically.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration root.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddReliabilityRefit(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ReliabilityRefitOptions>().Bind(configuration.GetSection(ReliabilityRefitOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<Crowd.SpentBudgetSweep>();
        services.TryAddSingleton<ReliabilityRefit>();
        return services;
    }
}
