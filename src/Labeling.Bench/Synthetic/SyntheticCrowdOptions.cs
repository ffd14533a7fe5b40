using System.Globalization;
using Labeling.Bench.Terminal;

namespace Labeling.Bench.Synthetic;

/// <summary>Size and seed of a simulated crowd.</summary>
/// <param name="Items">Number of items N (at least 1).</param>
/// <param name="Workers">Number of workers W (at least <paramref name="Overlap"/>).</param>
/// <param name="Labels">Number of classes K (at least 2).</param>
/// <param name="Overlap">Distinct workers per item R (at least 1).</param>
/// <param name="Seed">Seed of the single <see cref="Random"/> that drives everything.</param>
internal sealed record SyntheticCrowdOptions(int Items, int Workers, int Labels, int Overlap, int Seed)
{
    /// <summary>Total answers, N×R.</summary>
    public long AnswerCount => (long)Items * Overlap;

    /// <summary>Throws a <see cref="UsageException"/> naming the first setting that cannot work.</summary>
    public void Validate()
    {
        if (Items < 1) throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--items must be at least 1 (got {Items})."));
        if (Labels < 2) throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--labels must be at least 2 (got {Labels})."));
        if (Overlap < 1) throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--overlap must be at least 1 (got {Overlap})."));
        if (Workers < Overlap) throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--workers ({Workers}) must be at least --overlap ({Overlap}): each item needs that many distinct workers."));
        if (AnswerCount > int.MaxValue) throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--items × --overlap is {AnswerCount}; keep it under {int.MaxValue}."));
    }
}
