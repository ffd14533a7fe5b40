using Labeling.Adapters.Local.Auth;
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
                // The challenge's description can quote the token (its issuer, its audience); a control or non-ASCII
                // character there would make the WWW-Authenticate header invalid and the answer a 500 instead of a 401.
                // The issuer is checked before the signature, so a token signed by any key can carry one of 20,000
                // characters: the description is cut, or every such request wrote that much into header, body and log.
                var challenge = options.Events.OnChallenge;
                options.Events.OnChallenge = context =>
                {
                    if (context.ErrorDescription is { } description && !description.All(IsHeaderSafe))
                    {
                        context.ErrorDescription = description = string.Concat(description.Select(c => IsHeaderSafe(c) ? c : '?'));
                    }

                    if (context.ErrorDescription is { Length: > MaxDescription } longer)
                    {
                        context.ErrorDescription = $"{longer[..MaxDescription]}... ({longer.Length} characters)";
                    }

                    return challenge(context);
                };
            });
        return services;
    }

    // The longest challenge description sent as is: any message of the validator's own, with room for what it quotes.
    private const int MaxDescription = 512;

    // Printable ASCII: what a header value may carry as is.
    private static bool IsHeaderSafe(char c) => c is >= ' ' and <= '~';
}
