namespace Labeling.Application.Gold;

/// <summary>What seeding gold did.</summary>
/// <param name="Created">Ids of the new gold items.</param>
/// <param name="Duplicates">Ids of items whose text was already in the project; they were left as they were.</param>
/// <param name="Conflicts">
/// The duplicates that are not the gold item asked for: the text is an item of the project that is not gold (its votes
/// decide it), or gold with another label (it keeps its first). Each names the request's item and says which.
/// </param>
public sealed record GoldSeedResult(IReadOnlyList<string> Created, IReadOnlyList<string> Duplicates, IReadOnlyList<GoldSeedConflict> Conflicts);

/// <summary>A requested gold item whose text the project already holds as something else.</summary>
/// <param name="Index">Its place in the request's <c>items</c>.</param>
/// <param name="ItemId">The item the project has for that text.</param>
/// <param name="Reason">What the item is, and that it was left so.</param>
public sealed record GoldSeedConflict(int Index, string ItemId, string Reason);
