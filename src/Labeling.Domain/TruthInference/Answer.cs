namespace Labeling.Domain.TruthInference;

/// <summary>
/// One labeler's answer for one item, as it arrives from a file or the API.
/// </summary>
/// <param name="Item">The item's identifier.</param>
/// <param name="Worker">The labeler's identifier (a crowd worker, a rule, an LLM prompt, a model).</param>
/// <param name="Label">The label given, or <see langword="null"/> (or empty) for an abstention:
/// the labeler saw the item and declined to answer. Abstentions register the item and the labeler
/// but carry no evidence.</param>
public readonly record struct Answer(string Item, string Worker, string? Label)
{
    /// <summary>Whether this answer is an abstention.</summary>
    public bool IsAbstention => string.IsNullOrEmpty(Label);
}
