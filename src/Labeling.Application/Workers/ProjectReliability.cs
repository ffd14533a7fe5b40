namespace Labeling.Application.Workers;

/// <summary>A worker's learned reliability in one project.</summary>
/// <param name="ProjectId">The project.</param>
/// <param name="Votes">Votes the worker cast there, "unsure" included.</param>
/// <param name="Evidence">Weight of evidence behind the estimate (expected answers).</param>
/// <param name="Accuracy">Estimated probability of a correct answer, weighted by the class distribution.</param>
/// <param name="Confusion">Estimated P(answer | truth): truth label → answer label → probability.</param>
public sealed record ProjectReliability(
    string ProjectId,
    int Votes,
    double Evidence,
    double Accuracy,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Confusion);
