using Labeling.Bench.Datasets;

namespace Labeling.Bench.Commands;

/// <summary>What <c>inference</c> was asked to do.</summary>
/// <param name="DataDirectories">Data set folders, in the order given.</param>
/// <param name="Methods">Method names, in the order given.</param>
/// <param name="Order">Answer order fed to every method.</param>
/// <param name="Seed">Seed of the first shuffle; repeat r uses <c>Seed + r</c>.</param>
/// <param name="Repeats">Shuffles averaged over (only with <see cref="AnswerOrder.Shuffled"/>).</param>
/// <param name="TimingRuns">Timed runs per measurement; the fastest is reported.</param>
/// <param name="Format"><c>table</c> or <c>csv</c>.</param>
internal sealed record InferenceSettings(
    IReadOnlyList<string> DataDirectories, IReadOnlyList<string> Methods, AnswerOrder Order,
    int Seed, int Repeats, int TimingRuns, string Format);
