namespace Labeling.Application.Gold;

/// <summary>What seeding gold did.</summary>
/// <param name="Created">Ids of the new gold items.</param>
/// <param name="Duplicates">Ids of items whose text was already in the project; they were left as they were.</param>
public sealed record GoldSeedResult(IReadOnlyList<string> Created, IReadOnlyList<string> Duplicates);
