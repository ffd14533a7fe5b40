namespace Labeling.Domain.Items;

/// <summary>How an item's label was decided, carried into exports and <c>label.ready</c> events.</summary>
public enum DecidedBy
{
    /// <summary>Machine labelers (rules, LLMs, models) alone, after earning trust.</summary>
    Machine,

    /// <summary>Crowd votes (with any machine votes) reached the crowd target.</summary>
    Crowd,

    /// <summary>The item is gold: its known truth is the label.</summary>
    Gold,

    /// <summary>A reviewer chose the label.</summary>
    Reviewer,
}
