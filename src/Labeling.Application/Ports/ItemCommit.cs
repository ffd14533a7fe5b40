using Labeling.Domain.Labelers;
using Labeling.Domain.TruthInference;
using Labeling.Domain.Votes;

namespace Labeling.Application.Ports;

/// <summary>
/// Everything one labeling step changes in one project, written all-or-nothing: item versions,
/// votes, labeler statistics, machine track records, outbox events, the used lease and the
/// idempotency record.
/// </summary>
/// <remarks>
/// All parts live in the project's partition, so a document store can write them as one
/// transactional batch; SQLite writes them in one transaction. The revision check on every item
/// makes a replayed step fail instead of applying twice.
/// </remarks>
/// <param name="ProjectId">The project every part belongs to.</param>
public sealed record ItemCommit(string ProjectId)
{
    /// <summary>Item versions, each guarded by its expected revision.</summary>
    public IReadOnlyList<ItemWrite> Items { get; init; } = [];

    /// <summary>New votes; a labeler votes at most once per item.</summary>
    public IReadOnlyList<Vote> Votes { get; init; } = [];

    /// <summary>Labeler statistics to store (replacing the stored ones).</summary>
    public IReadOnlyList<LabelerStatisticsState> Statistics { get; init; } = [];

    /// <summary>Increments to machine labelers' track records (checked and agreed counts to add).</summary>
    public IReadOnlyList<MachineTrack> TrackIncrements { get; init; } = [];

    /// <summary>Events to put in the outbox.</summary>
    public IReadOnlyList<OutboxEvent> Events { get; init; } = [];

    /// <summary>The lease the step used up, if any.</summary>
    public string? CompletedLeaseId { get; init; }

    /// <summary>The answer to remember for an idempotent request, if any.</summary>
    public IdempotencyRecord? Idempotency { get; init; }
}
