using Labeling.Adapters.Local.Events;
using Microsoft.Extensions.Configuration;

namespace Labeling.Adapters.Local.Tests.Events;

/// <summary>A webhook's secret must give a signing key worth checking: <c>whsec_</c> alone signed with an empty key.</summary>
public sealed class LocalEventSinkOptionsTests
{
    [Theory]
    [InlineData("whsec_", "0 bytes")]
    [InlineData("whsec_AAECAwQFBgc=", "8 bytes")]
    [InlineData("s3cret", "6 bytes")]
    [InlineData("whsec_not base64!", "is not base64")]
    public void Validate_ASecretWithAShortOrEmptyKey_IsRefusedNamingItsLength(string secret, string said)
    {
        var message = Assert.Single(Options(secret).Validate());

        Assert.Contains("Events:Webhooks 'ml'", message, StringComparison.Ordinal);
        Assert.Contains(said, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    [InlineData("a-local-test-secret")]
    public void Validate_ASecretOfSixteenBytesOrMore_IsTaken(string secret) => Assert.Empty(Options(secret).Validate());

    [Theory]
    [InlineData("hooks.example.com/label-ready")]
    [InlineData("//hooks.example.com/label-ready")]
    public void Validate_AUrlWithoutAScheme_IsRefused(string url)
    {
        // Bound as a relative URI, it passed (only an absolute URL's scheme was checked): the server started, and every
        // event failed at every attempt ("An invalid request URI was provided") until dead-lettered.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Events:Webhooks:0:Name"] = "ml",
            ["Events:Webhooks:0:Url"] = url,
            ["Events:Webhooks:0:Secret"] = "a-local-test-secret",
        }).Build();
        var options = new LocalEventSinkOptions();
        configuration.GetSection(LocalEventSinkOptions.SectionName).Bind(options);

        var message = Assert.Single(options.Validate());

        Assert.Equal("Events:Webhooks 'ml': the URL must be an absolute http or https URL.", message);
    }

    private static LocalEventSinkOptions Options(string secret)
    {
        var options = new LocalEventSinkOptions();
        options.Webhooks.Add(new WebhookOptions { Name = "ml", Url = new Uri("https://example.com/hook"), Secret = secret });
        return options;
    }
}
