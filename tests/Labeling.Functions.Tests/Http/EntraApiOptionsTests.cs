using Labeling.Functions.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

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
