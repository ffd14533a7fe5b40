namespace Labeling.Bench.Synthetic;

/// <summary>One simulated labeler.</summary>
/// <param name="Kind">Its behaviour.</param>
/// <param name="Skill">For experts and noisy workers the probability of the true label; for
/// adversaries the probability of the shifted label; unused otherwise.</param>
/// <param name="ConstantLabel">The label a constant spammer always gives.</param>
internal readonly record struct SimulatedWorker(WorkerKind Kind, double Skill, int ConstantLabel)
{
    /// <summary>Draws this worker's answer for an item whose true class is <paramref name="truth"/>.</summary>
    public int Answer(int truth, int classes, Random random)
    {
        switch (Kind)
        {
            case WorkerKind.Expert:
            case WorkerKind.Noisy:
                return random.NextDouble() < Skill ? truth : OtherThan(truth, classes, random);
            case WorkerKind.UniformSpammer:
                return random.Next(classes);
            case WorkerKind.ConstantSpammer:
                return ConstantLabel;
            default:
                var shifted = (truth + 1) % classes;
                return random.NextDouble() < Skill ? shifted : OtherThan(shifted, classes, random);
        }
    }

    // Uniform over the K-1 labels other than `excluded`, without a retry loop.
    private static int OtherThan(int excluded, int classes, Random random)
    {
        var label = random.Next(classes - 1);
        return label >= excluded ? label + 1 : label;
    }
}
