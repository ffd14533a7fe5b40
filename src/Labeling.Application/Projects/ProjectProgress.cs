using Labeling.Domain.Items;

namespace Labeling.Application.Projects;

/// <summary>How far a project has come.</summary>
/// <param name="ProjectId">The project.</param>
/// <param name="Items">All items.</param>
/// <param name="ByState">Items per state (every state listed).</param>
/// <param name="Labeled">Items with a final label (auto-accepted + decided).</param>
/// <param name="CrowdVotes">Crowd responses used.</param>
/// <param name="MachineVotes">Machine votes cast.</param>
/// <param name="VoteBudget">The crowd budget, or null for none.</param>
/// <param name="BudgetRemaining">Crowd responses left, or null for no limit.</param>
/// <param name="Documents">Documents ingested.</param>
/// <param name="QuarantinedDocuments">Documents quarantined.</param>
public sealed record ProjectProgress(
    string ProjectId,
    int Items,
    IReadOnlyDictionary<ItemState, int> ByState,
    int Labeled,
    long CrowdVotes,
    long MachineVotes,
    long? VoteBudget,
    long? BudgetRemaining,
    int Documents,
    int QuarantinedDocuments);
