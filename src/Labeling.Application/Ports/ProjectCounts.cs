using Labeling.Domain.Items;

namespace Labeling.Application.Ports;

/// <summary>A project's item and vote counts.</summary>
/// <param name="ByState">Items per state (states with no items may be absent).</param>
/// <param name="CrowdVotes">Crowd responses, abstentions included.</param>
/// <param name="MachineVotes">Votes by rules, LLMs and models.</param>
public sealed record ProjectCounts(IReadOnlyDictionary<ItemState, int> ByState, long CrowdVotes, long MachineVotes);
