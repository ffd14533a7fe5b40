using Labeling.Adapters.Local.Events;

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

    private static LocalEventSinkOptions Options(string secret)
    {
        var options = new LocalEventSinkOptions();
        options.Webhooks.Add(new WebhookOptions { Name = "ml", Url = new Uri("https://example.com/hook"), Secret = secret });
        return options;
    }
}
