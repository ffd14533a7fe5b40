using Azure.Core;
using Azure.Identity;

namespace Labeling.Adapters.Azure.Identity;

/// <summary>The one credential every Azure client uses.</summary>
public static class AzureCredentials
{
    /// <summary>
    /// In Azure (the platform sets <c>IDENTITY_ENDPOINT</c>) with <c>AZURE_CLIENT_ID</c> set, as the Bicep
    /// does: a <see cref="ManagedIdentityCredential"/> for that user-assigned identity and nothing else, so
    /// a failure names the identity instead of walking the developer credential chain. Elsewhere:
    /// <see cref="DefaultAzureCredential"/> (a developer's Azure CLI or Visual Studio login, or the
    /// managed identity the client id names).
    /// </summary>
    /// <returns>The credential.</returns>
    public static TokenCredential Create() =>
        Create(Environment.GetEnvironmentVariable("AZURE_CLIENT_ID"), Environment.GetEnvironmentVariable("IDENTITY_ENDPOINT"));

    /// <summary>The credential for the given environment (see <see cref="Create()"/>).</summary>
    /// <param name="clientId">The user-assigned identity's client id, or null.</param>
    /// <param name="identityEndpoint">The platform's managed identity endpoint, or null outside Azure.</param>
    /// <returns>The credential.</returns>
    internal static TokenCredential Create(string? clientId, string? identityEndpoint)
    {
        var hasClientId = !string.IsNullOrWhiteSpace(clientId);
        if (hasClientId && !string.IsNullOrWhiteSpace(identityEndpoint))
        {
            return new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId!));
        }

        return new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = hasClientId ? clientId : null,
        });
    }
}
