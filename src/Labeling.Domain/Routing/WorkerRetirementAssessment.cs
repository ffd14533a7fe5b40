namespace Labeling.Domain.Routing;

/// <summary>
/// What <see cref="WorkerRetirement.Assess"/> found about one worker in one project: whether the
/// project should offer the worker more tasks, and the figures behind it.
/// </summary>
/// <param name="Enabled">Whether the project retires workers at all: <see cref="RoutingSettings.RetireUninformativeWorkers"/> and a <see cref="RoutingSettings.ReliabilityDoubt"/> above 0.</param>
/// <param name="Evidence">The worker's evidence in the truth model (expected answers counted for it).</param>
/// <param name="EvidenceNeeded">Evidence the model must hold before the worker is judged.</param>
/// <param name="InformationPerVote">Mutual information I(answer; truth) of one vote, in bits, under the worker's confusion and the class distribution.</param>
/// <param name="VotesPerItem">Votes the worker's information is weighed against (<see cref="RoutingSettings.RetirementVotes"/>).</param>
/// <param name="InformationNeeded">Information one item's label needs: the entropy H(class distribution), in bits.</param>
public sealed record WorkerRetirementAssessment(
    bool Enabled,
    double Evidence,
    double EvidenceNeeded,
    double InformationPerVote,
    int VotesPerItem,
    double InformationNeeded)
{
    /// <summary>Whether the model holds enough evidence on the worker to judge it (and any at all).</summary>
    public bool IsJudged => Evidence > 0 && Evidence >= EvidenceNeeded;

    /// <summary>
    /// Share of the worker's answers that were labels rather than "unsure" (1 when unknown, the default). An unsure answer
    /// carries no information but takes an item's vote slot, so one answer carries <see cref="InformationPerAnswer"/>.
    /// </summary>
    public double LabeledShare { get; init; } = 1.0;

    /// <summary>Information of one answer, unsure answers included: <see cref="LabeledShare"/> × <see cref="InformationPerVote"/>.</summary>
    public double InformationPerAnswer => LabeledShare * InformationPerVote;

    /// <summary>Whether <see cref="VotesPerItem"/> of the worker's answers carry at least <see cref="InformationNeeded"/>.</summary>
    /// <remarks>A worker whose information cannot be computed (no classes, NaN) counts as informative: doubt favours the worker.</remarks>
    public bool IsInformative => !(VotesPerItem * InformationPerAnswer < InformationNeeded);

    /// <summary>Whether the worker gets no more tasks in the project: enabled, judged, and not informative.</summary>
    public bool Retired => Enabled && IsJudged && !IsInformative;

    /// <summary>Whether the worker is judged and informative: one whose presence lets the project retire others.</summary>
    public bool IsKnownInformative => IsJudged && IsInformative;
}
