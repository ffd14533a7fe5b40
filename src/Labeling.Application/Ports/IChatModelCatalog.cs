using Microsoft.Extensions.AI;

namespace Labeling.Application.Ports;

/// <summary>
/// Chat models available to LLM labelers, by name (Azure OpenAI, OpenAI, Ollama, llama.cpp — any
/// <see cref="IChatClient"/>). The LLM labeler itself is a later step; hosts register a catalog now.
/// </summary>
public interface IChatModelCatalog
{
    /// <summary>Names of the configured models; empty when LLM labelers are off.</summary>
    IReadOnlyList<string> Names { get; }

    /// <summary>The client for a model.</summary>
    /// <param name="name">The model's configured name.</param>
    /// <returns>The client, or null when no such model is configured.</returns>
    IChatClient? Find(string name);
}
