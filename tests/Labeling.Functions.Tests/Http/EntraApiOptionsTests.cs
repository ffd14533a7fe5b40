using Labeling.Functions.Http;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Labeling.Functions.Tests.Http;

/// <summary>The Entra settings are checked when the app starts, not on the first call.</summary>
public sealed class EntraApiOptionsTests
{
    [Theory]
    [InlineData("ClientId", "AzureAd:ClientId (app setting AzureAd__ClientId) is empty")]
    [InlineData("TenantId", "AzureAd:TenantId (app setting AzureAd__TenantId) is empty")]
    public void AddLabelingApi_WithoutAnEntraSetting_FailsNamingIt(string missing, string message)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AzureAd:Instance"] = "https://login.microsoftonline.com/",
            ["AzureAd:TenantId"] = "11111111-1111-1111-1111-111111111111",
            ["AzureAd:ClientId"] = "22222222-2222-2222-2222-222222222222",
        };
        settings[$"AzureAd:{missing}"] = "";

        var error = Assert.Throws<OptionsValidationException>(() => Options(settings));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("common")]
    [InlineData("organizations")]
    [InlineData("consumers")]
    [InlineData("contoso.onmicrosoft.com")]
    [InlineData("{11111111-1111-1111-1111-111111111111}")]
    [InlineData("11111111111111111111111111111111")]
    public void AddLabelingApi_WithATenantThatIsNotOneGuid_Fails(string tenant)
    {
        // A multi-tenant value takes tokens from any tenant, where anyone may give themselves the API's Admin role.
        var error = Assert.Throws<OptionsValidationException>(() => Options(new Dictionary<string, string?>
        {
            ["AzureAd:TenantId"] = tenant,
            ["AzureAd:ClientId"] = "22222222-2222-2222-2222-222222222222",
        }));

        Assert.Contains("must be the GUID of the one Entra tenant", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddLabelingApi_WithEverySetting_Validates()
    {
        var options = Options(new Dictionary<string, string?>
        {
            ["AzureAd:TenantId"] = "11111111-1111-1111-1111-111111111111",
            ["AzureAd:ClientId"] = "22222222-2222-2222-2222-222222222222",
        });

        Assert.Equal("https://login.microsoftonline.com/", options.Instance);
    }

    [Fact]
    public void AddLabelingApi_TokenValidation_IsTheOneTenantsIssuerKeysAndAudience_WithTheLifetimeChecked()
    {
        // The tests' host replaces issuer and key validation with a local key (FunctionsTestHost.UseTestSigningKey), so no
        // other test sees what Azure runs: these are Microsoft.Identity.Web's settings as the app configures them.
        const string tenant = "11111111-1111-1111-1111-111111111111";
        const string clientId = "22222222-2222-2222-2222-222222222222";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureAd:Instance"] = "https://login.microsoftonline.com/",
            ["AzureAd:TenantId"] = tenant,
            ["AzureAd:ClientId"] = clientId,
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLabelingApi(configuration);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);
        var parameters = options.TokenValidationParameters;

        // Keys and issuer from the tenant's own metadata, over https; a key must belong to the token's tenant.
        Assert.Equal($"https://login.microsoftonline.com/{tenant}/v2.0", options.Authority);
        Assert.True(options.RequireHttpsMetadata);
        Assert.True(parameters.ValidateIssuer);
        Assert.IsType<Microsoft.IdentityModel.Validators.AadIssuerValidator>(parameters.IssuerValidator?.Target);
        Assert.NotNull(parameters.IssuerSigningKeyValidatorUsingConfiguration);
        Assert.True(parameters.RequireSignedTokens);
        Assert.True(parameters.ValidateLifetime);
        Assert.True(parameters.RequireExpirationTime);
        Assert.InRange(parameters.ClockSkew, TimeSpan.Zero, TimeSpan.FromMinutes(5));

        // The audience is this API's registration (its client id in a v2.0 token, its App ID URI in a v1.0 one), and no other
        // app's. The validator is given a copy, as the JWT handler gives it one per request: it writes what it chose into it.
        Assert.True(parameters.ValidateAudience);
        Assert.NotNull(parameters.AudienceValidator);
        Assert.True(parameters.AudienceValidator([clientId], Token(clientId, "2.0"), parameters.Clone()));
        Assert.True(parameters.AudienceValidator([$"api://{clientId}"], Token($"api://{clientId}", "1.0"), parameters.Clone()));
        const string other = "33333333-3333-3333-3333-333333333333";
        Assert.ThrowsAny<SecurityTokenException>(() => parameters.AudienceValidator([other], Token(other, "2.0"), parameters.Clone()));
        Assert.ThrowsAny<SecurityTokenException>(() => parameters.AudienceValidator([$"api://{other}"], Token($"api://{other}", "1.0"), parameters.Clone()));

        static JsonWebToken Token(string audience, string version) => new(new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Audience = audience,
            Issuer = $"https://login.microsoftonline.com/{tenant}/v2.0",
            Claims = new Dictionary<string, object> { ["ver"] = version, ["tid"] = tenant },
        }));
    }

    private static EntraApiOptions Options(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddLabelingApi(configuration);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<EntraApiOptions>>().Value;
    }
}
