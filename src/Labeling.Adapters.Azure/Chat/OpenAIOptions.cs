namespace Labeling.Adapters.Azure.Chat;

/// <summary>The Azure OpenAI deployment LLM labelers use. Bound from the <c>OpenAI</c> section; empty turns LLM labelers off.</summary>
public sealed class OpenAIOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "OpenAI";

    /// <summary>The account endpoint, e.g. <c>https://oai-labeling.openai.azure.com/</c>.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The model deployment name, e.g. <c>gpt-4o-mini</c>; it is also the model's name in the catalog.</summary>
    public string? Deployment { get; set; }

    /// <summary>Whether both endpoint and deployment are set.</summary>
    public bool IsConfigured => Endpoint is not null && !string.IsNullOrWhiteSpace(Deployment);
}
