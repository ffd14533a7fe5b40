using Azure.Core;
using Azure.Identity;

namespace Labeling.Adapters.Azure.Identity;

/// <summary>The one credential every Azure client uses.</summary>
public static class AzureCredentials
{
    /// <summary>
    /// <see cref="DefaultAzureCredential"/>: the user-assigned managed identity in Azure (its client id
    /// comes from <c>AZURE_CLIENT_ID</c>, which the Bicep sets), a developer's Azure CLI login locally.
    /// </summary>
    /// <returns>The credential.</returns>
    public static TokenCredential Create()
    {
        var clientId = Environment.GetEnvironmentVariable("AZURE_CLIENT_ID");
        return new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = string.IsNullOrWhiteSpace(clientId) ? null : clientId,
        });
    }
}
