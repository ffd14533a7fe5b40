namespace Labeling.Domain.Labelers;

/// <summary>Where a labeler's votes come from. Every kind votes into the same truth model.</summary>
public enum LabelerKind
{
    /// <summary>A person answering tasks through the API.</summary>
    Worker,

    /// <summary>A keyword or regex rule from the project's configuration.</summary>
    Rule,

    /// <summary>An LLM prompt (per model and prompt version).</summary>
    Llm,

    /// <summary>A model trained on labels already trusted (pseudo-labeling).</summary>
    Model,
}
