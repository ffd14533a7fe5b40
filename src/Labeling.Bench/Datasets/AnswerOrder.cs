namespace Labeling.Bench.Datasets;

/// <summary>The order in which the answer stream is fed to a method.</summary>
internal enum AnswerOrder
{
    /// <summary>File order.</summary>
    Given,

    /// <summary>A seeded Fisher–Yates shuffle of file order.</summary>
    Shuffled,
}
