namespace Labeling.Application.Gold;

/// <summary>Gold items to seed into a project.</summary>
/// <param name="Items">The items.</param>
public sealed record GoldSeedRequest(IReadOnlyList<GoldItemRequest>? Items);
