namespace Labeling.Bench.Replay;

/// <summary>What <c>replay</c> was asked to do.</summary>
/// <param name="DataDirectories">Data set folders, in the order given.</param>
/// <param name="Server">The server's base address.</param>
/// <param name="TokenData">The server's data folder (its signing key mints tokens), or null.</param>
/// <param name="AdminToken">An Admin token to use instead of a minted one, or null.</param>
/// <param name="ReviewerToken">A Reviewer token to use instead of a minted one, or null.</param>
/// <param name="Format"><c>table</c> or <c>csv</c>.</param>
/// <param name="TargetConfidence">The project's <c>routing.crowdTarget</c>, or null for the server's default.</param>
/// <param name="MinVotes">The project's <c>routing.minCrowdVotes</c>, or null for the server's default.</param>
/// <param name="MaxVotes">The project's <c>routing.maxCrowdVotes</c>, or null for the server's default.</param>
/// <param name="RetireWorkers">The project's <c>routing.retireUninformativeWorkers</c>, or null for the server's default.</param>
/// <param name="RetirementVotes">The project's <c>routing.retirementVotes</c>, or null for the server's default.</param>
/// <param name="Concurrency">Most workers holding a lease (and votes in flight) at once.</param>
internal sealed record ReplaySettings(
    IReadOnlyList<string> DataDirectories, Uri Server, string? TokenData, string? AdminToken, string? ReviewerToken,
    string Format, double? TargetConfidence, int? MinVotes, int? MaxVotes, bool? RetireWorkers, int? RetirementVotes, int Concurrency)
{
    /// <summary>The project's <c>routing.recheckTarget</c> as given (a probability, or <c>off</c>), or null for the server's default.</summary>
    public string? RecheckTarget { get; init; }

    /// <summary>How many times each data set is replayed, each time on a new project (at least 1).</summary>
    public int Runs { get; init; } = 1;

    /// <summary>Whether each replay ends with a calibration report of its final labels' confidences (<see cref="ReplayCalibration"/>).</summary>
    public bool Calibration { get; init; }
}
