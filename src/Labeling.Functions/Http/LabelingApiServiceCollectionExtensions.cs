using Labeling.Application.Http;
using Labeling.Functions.Crowd;
using Labeling.Functions.Events;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Identity.Web;

namespace Labeling.Functions.Http;

/// <summary>Registers the Functions host's HTTP pipeline, Entra ID authentication and crowd-workflow starter.</summary>
public static class LabelingApiServiceCollectionExtensions
{
    /// <summary>
    /// Adds routing, JWT bearer authentication with Microsoft.Identity.Web (section <c>AzureAd</c>:
    /// <c>Instance</c>, <c>TenantId</c>, <c>ClientId</c>), the <see cref="LabelingApiPipeline"/> and
    /// <see cref="CrowdWorkflows"/> and the <see cref="OutboxPublisher"/>. The role policies come from <c>AddLabelingApplication</c>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration root.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddLabelingApi(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddRouting();
        var entra = configuration.GetSection(EntraApiOptions.SectionName);
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddMicrosoftIdentityWebApi(entra);
        // A valid token without app roles authenticates, and the role policies answer 403 naming the role a route
        // takes (every route names one); Microsoft.Identity.Web's own check would refuse it as a 401 with no reason.
        services.Configure<MicrosoftIdentityOptions>(JwtBearerDefaults.AuthenticationScheme, o => o.AllowWebApiToBeAuthorizedByACL = true);
        // The challenge's description can quote the token: made header-safe and cut, as on the local server
        // (ChallengeDescription says why). After Microsoft.Identity.Web's own configuration, whose events it wraps.
        services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o =>
        {
            o.Events ??= new JwtBearerEvents();
            var challenge = o.Events.OnChallenge;
            o.Events.OnChallenge = context =>
            {
                context.ErrorDescription = ChallengeDescription.Clean(context.ErrorDescription);
                return challenge(context);
            };
        });
        // IdentityModel logs one or two multi-line errors per refused token, so a flood of bad tokens would flood the logs
        // (and the Application Insights bill); the refusal log already records each 401 once, with the challenge's reason.
        services.AddLogging(logging => logging.AddFilter("Microsoft.IdentityModel", LogLevel.Critical));
        services.AddOptions<EntraApiOptions>().Bind(entra)
            .Validate(o => !string.IsNullOrWhiteSpace(o.ClientId), Missing(nameof(EntraApiOptions.ClientId), "the application (client) id of the API's Entra app registration"))
            .Validate(o => !string.IsNullOrWhiteSpace(o.TenantId), Missing(nameof(EntraApiOptions.TenantId), "the id of the Entra tenant whose tokens the API accepts"))
            // "common", "organizations" or "consumers" would take tokens from any tenant, where anyone may give
            // themselves the API's Admin role on an app registration of their own: the tenant is one GUID, written as Entra
            // writes it (braces or no hyphens would make an authority that refuses every token).
            .Validate(o => string.IsNullOrWhiteSpace(o.TenantId) || Guid.TryParseExact(o.TenantId, "D", out _),
                "AzureAd:TenantId (app setting AzureAd__TenantId) must be the GUID of the one Entra tenant whose tokens the API accepts; 'common', 'organizations', 'consumers' and domain names would let in tokens from other tenants.")
            .Validate(o => Uri.TryCreate(o.Instance, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps, "AzureAd:Instance must be an https URL such as https://login.microsoftonline.com/.")
            .ValidateOnStart();
        services.TryAddSingleton<LabelingApiPipeline>();
        services.TryAddSingleton<CrowdWorkflows>();
        services.TryAddSingleton<OutboxPublisher>();
        return services;
    }

    private static string Missing(string key, string what) =>
        $"AzureAd:{key} (app setting AzureAd__{key}) is empty: set it to {what}. Without it every API call would fail.";
}
