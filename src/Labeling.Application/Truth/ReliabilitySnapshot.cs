using Labeling.Domain.Labelers;
using Labeling.Domain.TruthInference;

namespace Labeling.Application.Truth;

/// <summary>
/// The workers' reliabilities as a project's model stood when it was loaded — after a re-fit (which drops the cached
/// model) or a start — and the time it was taken: what a worker is shown of itself (<c>GET /api/workers/me</c>).
/// </summary>
/// <remarks>
/// A worker used to see its reliability move vote by vote, and a vote on a gold item moves it at once and by a whole
/// answer (the item's label is known), where a vote on an item nobody else has answered yet moves nothing: watching
/// its own figures told a worker which items were gold. Figures that change only at a re-fit, by every vote since
/// the last one together, do not. Retirement still reads the live model; a retired worker is told so at its next
/// request for a task either way.
/// </remarks>
public sealed class ReliabilitySnapshot
{
    private readonly Dictionary<string, (ConfusionMatrix Confusion, double Evidence)> _workers;
    private readonly ConfusionMatrix _unknown;

    private ReliabilitySnapshot(DateTimeOffset takenAt, Dictionary<string, (ConfusionMatrix, double)> workers, ConfusionMatrix unknown, double[] classPriors)
    {
        TakenAt = takenAt;
        _workers = workers;
        _unknown = unknown;
        ClassPriors = classPriors;
    }

    /// <summary>When the model the figures come from was loaded.</summary>
    public DateTimeOffset TakenAt { get; }

    /// <summary>The project's class distribution then.</summary>
    public IReadOnlyList<double> ClassPriors { get; }

    /// <summary>Takes the snapshot of every crowd worker of the model's capability.</summary>
    /// <param name="model">The model, just loaded.</param>
    /// <param name="capability">The project's capability.</param>
    /// <param name="takenAt">Now.</param>
    /// <returns>The snapshot.</returns>
    public static ReliabilitySnapshot Take(OnlineDawidSkene model, string capability, DateTimeOffset takenAt)
    {
        ArgumentNullException.ThrowIfNull(model);
        var workers = new Dictionary<string, (ConfusionMatrix, double)>(StringComparer.Ordinal);
        foreach (var labeler in model.Labelers)
        {
            if (labeler.Capability == capability && LabelerIds.KindOf(labeler.Labeler) == LabelerKind.Worker)
            {
                workers[labeler.Labeler] = (model.Confusion(labeler.Labeler, capability), labeler.Evidence);
            }
        }

        // A worker the model knew nothing of then is read as the model reads any newcomer.
        var unknown = model.Confusion(LabelerIds.Worker("\u0000unknown"), capability);
        return new ReliabilitySnapshot(takenAt, workers, unknown, model.ClassPriors(capability));
    }

    /// <summary>The worker's confusion matrix and evidence as of <see cref="TakenAt"/> (a newcomer's, with no evidence, for a worker not known then).</summary>
    /// <param name="workerId">The worker's labeler id.</param>
    /// <returns>The figures.</returns>
    public (ConfusionMatrix Confusion, double Evidence) Of(string workerId) =>
        _workers.TryGetValue(workerId, out var figures) ? figures : (_unknown, 0.0);
}
