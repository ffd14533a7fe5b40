namespace Labeling.Application.Gold;

/// <summary>One gold item: a text whose true label is known.</summary>
/// <param name="Text">The item text.</param>
/// <param name="Label">Its true label; must be in the project's schema.</param>
/// <param name="ExternalId">The caller's id for the item, optional.</param>
public sealed record GoldItemRequest(string? Text, string? Label, string? ExternalId = null);
