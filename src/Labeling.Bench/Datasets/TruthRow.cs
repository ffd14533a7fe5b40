namespace Labeling.Bench.Datasets;

/// <summary>One row of truth.csv: the known label of an item.</summary>
internal readonly record struct TruthRow(string Item, string Label);
