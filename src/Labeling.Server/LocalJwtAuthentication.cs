using Labeling.Adapters.Local.Auth;
using Labeling.Application.Http;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.Identity.Web;

namespace Labeling.Server;

/// <summary>
/// Bearer-token authentication through Microsoft.Identity.Web's pipeline (the same one the Azure host
/// uses with Entra ID), pointed at the local signing key: no authority, no metadata download; tokens
/// must carry the local issuer and audience and be signed by the key in the data folder.
/// </summary>
internal static class LocalJwtAuthentication
{
    public static IServiceCollection AddLocalJwtAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddMicrosoftIdentityWebApi(
                _ => { },
                identity =>
                {
                    // Defaults keep the pipeline valid when appsettings.json is not beside the working directory.
                    identity.Instance = "https://login.microsoftonline.com/";
                    identity.TenantId = "local";
                    identity.ClientId = "labeling-local";
                    configuration.GetSection("AzureAd").Bind(identity);
                    // A valid token without roles authenticates, and authorization answers 403 naming the role the route
                    // takes; Microsoft.Identity.Web's own check would refuse it as 401 with no reason given.
                    identity.AllowWebApiToBeAuthorizedByACL = true;
                });
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .PostConfigure<LocalSigningKey, IOptions<LocalAuthOptions>>((options, key, auth) =>
            {
                options.TokenHandlers.Clear();
                options.TokenHandlers.Add(new RepeatedTokenCache());
                options.Authority = null;
                options.MetadataAddress = null!;
                options.ConfigurationManager = null;
                options.RequireHttpsMetadata = false;
                options.MapInboundClaims = false;
                var parameters = options.TokenValidationParameters;
                parameters.IssuerValidator = null;
                parameters.ValidIssuer = auth.Value.Issuer;
                parameters.ValidIssuers = [auth.Value.Issuer];
                parameters.ValidAudience = auth.Value.Audience;
                parameters.ValidAudiences = [auth.Value.Audience];
                parameters.IssuerSigningKey = key.Key;
                parameters.IssuerSigningKeys = [key.Key];
                parameters.NameClaimType = "sub";
                parameters.RoleClaimType = "roles";
                // The issuer and this validator share one clock, so a token is refused the moment it expires, not five
                // minutes later (the default skew, meant for clocks on different machines): `token --hours 0.0167` lasts a minute.
                parameters.ClockSkew = TimeSpan.Zero;
                // The challenge's description can quote the token: made header-safe and cut (ChallengeDescription says why).
                var challenge = options.Events.OnChallenge;
                options.Events.OnChallenge = context =>
                {
                    context.ErrorDescription = ChallengeDescription.Clean(context.ErrorDescription);
                    return challenge(context);
                };
            });
        return services;
    }
}
