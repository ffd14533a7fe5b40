namespace Labeling.Bench.Replay;

/// <summary>How a replay on one project went, for the stderr notes.</summary>
/// <param name="Votes">Votes the bench cast.</param>
/// <param name="Rounds">Lease-then-vote rounds.</param>
/// <param name="MaxInFlight">Most votes sent concurrently in one round.</param>
/// <param name="Holders">Items taken out of the pool with a placeholder lease because no recorded answer for them was left.</param>
/// <param name="Mismatches">Leases whose item differed from the predicted one.</param>
/// <param name="Released">Leases on an item the worker had no answer for (a mismatch), released at once.</param>
/// <param name="Retired">Workers the server retired from the project (403 <c>worker-retired</c>); they ask no more.</param>
/// <param name="Seconds">Wall time of the replay loop.</param>
internal sealed record ReplayStats(int Votes, int Rounds, int MaxInFlight, int Holders, int Mismatches, int Released, int Retired, double Seconds)
{
    /// <summary>
    /// These figures followed by a later run of the same <see cref="CrowdReplay"/>: votes, rounds and seconds add up; the
    /// replay's own tallies (holders, mismatches, released, retired) are running totals, so the later run's stand.
    /// </summary>
    public ReplayStats Add(ReplayStats later) => new(
        Votes + later.Votes, Rounds + later.Rounds, Math.Max(MaxInFlight, later.MaxInFlight),
        later.Holders, later.Mismatches, later.Released, later.Retired, Seconds + later.Seconds);
}
