using Azure.AI.OpenAI;
using Azure.Core;
using Labeling.Application.Ports;
using Microsoft.Extensions.AI;

namespace Labeling.Adapters.Azure.Chat;

/// <summary>
/// The chat models of the Azure host: the one configured Azure OpenAI deployment, as an
/// <see cref="IChatClient"/>, authenticated with the managed identity (no API key).
/// </summary>
public sealed class AzureOpenAIChatModelCatalog : IChatModelCatalog, IDisposable
{
    private readonly IChatClient? _client;
    private readonly string? _name;

    /// <summary>Creates the catalog; empty when the options are not configured.</summary>
    /// <param name="options">Endpoint and deployment.</param>
    /// <param name="credential">The identity.</param>
    /// <param name="clientOptions">Client settings (transport, retries); null for the defaults.</param>
    public AzureOpenAIChatModelCatalog(OpenAIOptions options, TokenCredential credential, AzureOpenAIClientOptions? clientOptions = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.IsConfigured)
        {
            return;
        }

        _name = options.Deployment!;
        _client = new AzureOpenAIClient(options.Endpoint!, credential, clientOptions)
            .GetChatClient(_name)
            .AsIChatClient();
    }

    /// <inheritdoc />
    public IReadOnlyList<string> Names => _name is null ? [] : [_name];

    /// <inheritdoc />
    public IChatClient? Find(string name) =>
        _client is not null && string.Equals(name, _name, StringComparison.Ordinal) ? _client : null;

    /// <inheritdoc />
    public void Dispose() => _client?.Dispose();
}
