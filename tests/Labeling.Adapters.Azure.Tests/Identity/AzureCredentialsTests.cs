using Azure.Identity;
using Labeling.Adapters.Azure.Identity;

namespace Labeling.Adapters.Azure.Tests.Identity;

public sealed class AzureCredentialsTests
{
    [Fact]
    public void Create_InAzureWithAClientId_UsesOnlyThatManagedIdentity() =>
        Assert.IsType<ManagedIdentityCredential>(AzureCredentials.Create("5f1c0a43-5b1d-4c36-9d3f-0d8e3a2b7c11", "http://127.0.0.1:41000/msi/token"));

    [Theory]
    [InlineData(null, null)]
    [InlineData("5f1c0a43-5b1d-4c36-9d3f-0d8e3a2b7c11", null)]
    [InlineData(null, "http://127.0.0.1:41000/msi/token")]
    public void Create_OutsideAzureOrWithoutAClientId_UsesTheDeveloperChain(string? clientId, string? identityEndpoint) =>
        Assert.IsType<DefaultAzureCredential>(AzureCredentials.Create(clientId, identityEndpoint));
}
