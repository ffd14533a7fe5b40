namespace Labeling.Application.Workers;

/// <summary>A worker's learned reliability in one project.</summary>
/// <param name="ProjectId">The project.</param>
/// <param name="Votes">Votes the worker cast there, "unsure" included.</param>
/// <param name="Evidence">Weight of evidence behind the estimate (expected answers), as of <see cref="EstimatedAt"/>.</param>
/// <param name="Accuracy">Estimated probability of a correct answer, weighted by the class distribution, as of <see cref="EstimatedAt"/>.</param>
/// <param name="Confusion">Estimated P(answer | truth): truth label → answer label → probability, as of <see cref="EstimatedAt"/>.</param>
/// <param name="Retired">Whether the project offers the worker no more tasks (routing <c>retireUninformativeWorkers</c>: its votes carry too little information, or too many were "unsure"); asking for one answers 403 with the figures.</param>
public sealed record ProjectReliability(
    string ProjectId,
    int Votes,
    double Evidence,
    double Accuracy,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Confusion,
    bool Retired)
{
    /// <summary>"Unsure" answers among <see cref="Votes"/> (a worker who mostly answers unsure is retired too).</summary>
    public int Unsure { get; init; }

    /// <summary>
    /// When <see cref="Evidence"/>, <see cref="Accuracy"/> and <see cref="Confusion"/> were estimated: the project's last
    /// re-fit (hourly by default) or, before one, the first time since it started the server loaded the project's model. They do not move vote by vote, which would tell a worker which
    /// items were gold; <see cref="Votes"/> and <see cref="Retired"/> are current.
    /// </summary>
    public DateTimeOffset EstimatedAt { get; init; }
}
