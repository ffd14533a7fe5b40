namespace Labeling.Domain.TruthInference;

/// <summary>
/// Which labelers are selective (<see cref="OnlineDawidSkeneOptions.SelectivePrefixes"/>,
/// <see cref="CommunityDawidSkeneOptions.SelectivePrefixes"/>): those whose id starts with one of the prefixes.
/// </summary>
public static class SelectiveLabelers
{
    /// <summary>Whether <paramref name="labeler"/> is selective under <paramref name="prefixes"/>.</summary>
    /// <param name="labeler">The labeler's id.</param>
    /// <param name="prefixes">The selective labelers' id prefixes (ordinal).</param>
    /// <returns>True when the id starts with one of them.</returns>
    public static bool Includes(string labeler, IReadOnlyList<string> prefixes)
    {
        ArgumentNullException.ThrowIfNull(labeler);
        ArgumentNullException.ThrowIfNull(prefixes);
        foreach (var prefix in prefixes)
        {
            if (labeler.StartsWith(prefix, StringComparison.Ordinal)) return true;
        }

        return false;
    }
}
