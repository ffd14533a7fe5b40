namespace Labeling.Bench.Synthetic;

/// <summary>The behaviour a simulated labeler follows; the mix is in <see cref="SyntheticCrowd"/>.</summary>
internal enum WorkerKind
{
    /// <summary>Right with probability ~0.9, otherwise a uniformly chosen wrong label.</summary>
    Expert,

    /// <summary>Right with probability ~0.65, otherwise a uniformly chosen wrong label.</summary>
    Noisy,

    /// <summary>Ignores the item: a uniformly random label.</summary>
    UniformSpammer,

    /// <summary>Ignores the item: always the same label.</summary>
    ConstantSpammer,

    /// <summary>Systematically answers c+1 (mod K) for class c with probability ~0.7.</summary>
    Adversary,
}
