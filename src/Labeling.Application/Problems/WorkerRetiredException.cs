using System.Globalization;
using Labeling.Domain.Routing;

namespace Labeling.Application.Problems;

/// <summary>
/// The project offers the worker no more tasks: the model judged the worker's votes too
/// uninformative to be worth asking for (<see cref="WorkerRetirement"/>). (HTTP 403.)
/// </summary>
/// <remarks>
/// The problem document carries <c>reason</c> = <c>worker-retired</c> and a fixed title so a client can
/// tell it from other refusals and stop asking, and the figures behind the decision.
/// </remarks>
public sealed class WorkerRetiredException : LabelingProblemException
{
    /// <summary>The problem document's <c>reason</c>.</summary>
    public const string Reason = "worker-retired";

    /// <summary>The problem document's <c>title</c>, fixed for this problem.</summary>
    public const string ProblemTitle = "The project offers this worker no more tasks.";

    /// <summary>Creates the exception.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="workerId">The worker's labeler id.</param>
    /// <param name="assessment">Why.</param>
    public WorkerRetiredException(string projectId, string workerId, WorkerRetirementAssessment assessment)
        : base(Describe(projectId, workerId, assessment))
    {
        Extensions["reason"] = Reason;
        Extensions["projectId"] = projectId;
        Extensions["worker"] = workerId;
        Extensions["evidence"] = Math.Round(assessment.Evidence, 3);
        Extensions["informationPerVoteBits"] = Math.Round(assessment.InformationPerVote, 4);
        Extensions["labeledShare"] = Math.Round(assessment.LabeledShare, 4);
        Extensions["votesPerItem"] = assessment.VotesPerItem;
        Extensions["informationNeededBits"] = Math.Round(assessment.InformationNeeded, 4);
    }

    /// <summary>Creates the exception for a worker who answers "unsure" too often (<see cref="WorkerRetirement.MostlyUnsure"/>).</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="workerId">The worker's labeler id.</param>
    /// <param name="votes">The worker's answers in the project.</param>
    /// <param name="unsure">Its "unsure" answers among them.</param>
    /// <param name="votesPerItem">Answers weighed against one label (<see cref="RoutingSettings.RetirementVotes"/>).</param>
    public WorkerRetiredException(string projectId, string workerId, int votes, int unsure, int votesPerItem)
        : base(string.Create(
            CultureInfo.InvariantCulture,
            $"Project '{projectId}' offers '{workerId}' no more tasks: {unsure} of its {votes} answers were \"unsure\", so even if every labeled answer were right, {votesPerItem} of its answers (routing.retirementVotes) would hold fewer than one label. Other projects are not affected; a project created with routing.retireUninformativeWorkers = false retires nobody."))
    {
        Extensions["reason"] = Reason;
        Extensions["projectId"] = projectId;
        Extensions["worker"] = workerId;
        Extensions["answers"] = votes;
        Extensions["unsureAnswers"] = unsure;
        Extensions["votesPerItem"] = votesPerItem;
    }

    /// <inheritdoc />
    public override int StatusCode => 403;

    /// <inheritdoc />
    public override string Title => ProblemTitle;

    private static string Describe(string projectId, string workerId, WorkerRetirementAssessment a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var unsure = a.LabeledShare < 1
            ? string.Create(CultureInfo.InvariantCulture, $", and {1 - a.LabeledShare:0.#%} of its answers were \"unsure\", which carry none")
            : "";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"Project '{projectId}' offers '{workerId}' no more tasks: from {a.Evidence:0.#} answers of evidence the model reads one of its votes as carrying {a.InformationPerVote:0.###} bits about an item's label{unsure}, so {a.VotesPerItem} of its answers (routing.retirementVotes) would carry {a.VotesPerItem * a.InformationPerAnswer:0.###} bits, less than the {a.InformationNeeded:0.###} bits a label holds. Other projects are not affected; a project created with routing.retireUninformativeWorkers = false retires nobody.");
    }
}
