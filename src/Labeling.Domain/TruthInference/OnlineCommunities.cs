using System.Globalization;

namespace Labeling.Domain.TruthInference;

/// <summary>
/// The shared half of the online model for one capability: class counts, the worker
/// communities' confusion counts, and each labeler's community membership.
/// </summary>
/// <remarks>
/// <para>Community m's confusion is φ_m[t,l] = (D_m[t,l] + a_m[t,l]) / (Σ_l D_m[t,l] + 2), where
/// D_m = Σ_w r_wm C_w is the membership-weighted sum of its labelers' counts, kept exact by the
/// same deltas that move C_w (a labeler joins with all its counts when first assigned), and a_m
/// is a seed of two pseudo-answers per row that differs by community: the first has the batch
/// model's smoothing (one on the diagonal, one spread evenly), the last has both spread evenly
/// (uninformative), those between are evenly spaced blends — so communities start apart without
/// a random draw, as the batch model's initial blend does. No seed puts all its mass on the
/// diagonal: a community with no off-diagonal mass could never admit a labeler who erred.</para>
/// <para>A labeler's membership r_w ∝ ρ_m Π_t DirMult(C_w[t,·] | s·φ_m[t,·]), with
/// ρ_m ∝ Σ_w r_wm + 1, is recomputed when its evidence has doubled since the last time
/// (amortised O(log n) times per labeler, each O(M·K²)). Its prior mean Σ_m r_wm φ_m[t,l] is
/// read from the current communities whenever a vote needs it (O(M)), so it follows the
/// communities without being cached; a labeler without evidence uses the mixture under ρ.
/// Per vote, each labeler of the item moves D by O(M·K).</para>
/// <para>The batch model gives each community 10 pseudo-labelers instead of one
/// (<see cref="CommunityDawidSkeneOptions.CommunityPseudoCount"/>): its EM iterates memberships to a
/// fixed point, and with one the communities emptied. Here a membership moves only when a labeler's
/// evidence doubles; 10 changed the online accuracy on the shared sets by −0.9 to +0.9 points in the
/// given order and by at most 0.1 over five shuffled orders (2026-11-30), so it stays at one.</para>
/// </remarks>
internal sealed class OnlineCommunities
{
    private const double SeedPerRow = 2.0;
    private const double Slack = 1e-6;
    // A cell with n expected answers adds lnΓ(n + α) − lnΓ(α) ≈ n·ψ(α) to a community's log
    // evidence; below 1e-9 answers that is under 1e-8 nats for any α the prior can produce, far
    // below what moves a membership, so such cells (soft posteriors leave many) are skipped.
    private const double NegligibleCount = 1e-9;
    private readonly int _k;
    private readonly int _m;
    private readonly double _strength;
    private readonly double[] _seed;
    private readonly double[] _communityCounts;
    private readonly double[] _communityRowSums;
    private readonly double[] _membershipTotals;
    private readonly double[] _logTerms;

    public OnlineCommunities(int classCount, int communities, double strength)
    {
        _k = classCount;
        _m = communities;
        _strength = strength;
        _seed = new double[_m * _k * _k];
        _communityCounts = new double[_m * _k * _k];
        _communityRowSums = new double[_m * _k];
        _membershipTotals = new double[_m];
        _logTerms = new double[_m];
        ClassCounts = new double[_k];
        for (var m = 0; m < _m; m++)
        {
            var onDiagonal = _m == 1 ? 1.0 : (double)(_m - 1 - m) / (_m - 1);
            for (var t = 0; t < _k; t++)
                for (var l = 0; l < _k; l++)
                    _seed[(((m * _k) + t) * _k) + l] = ((SeedPerRow - onDiagonal) / _k) + (t == l ? onDiagonal : 0.0);
        }
    }

    /// <summary>Expected number of items of each class (Σ_i T_it).</summary>
    public double[] ClassCounts { get; }

    /// <summary>
    /// The prior mean P_w[t, answer] = Σ_m r_wm φ_m[t, answer] for every class t at once (the
    /// column one vote needs), which a labeler uses in θ = (C + s·P_w) / (n + s); r_w is the
    /// labeler's membership, or ρ when it has none yet.
    /// </summary>
    public void PriorColumn(LabelerStatistics labeler, int answer, Span<double> column)
    {
        column.Clear();
        Span<double> weights = stackalloc double[_m];
        if (labeler.HasMembership) labeler.Membership.CopyTo(weights);
        else
        {
            var sum = 0.0;
            foreach (var v in _membershipTotals) sum += v;
            for (var m = 0; m < _m; m++) weights[m] = (_membershipTotals[m] + 1.0) / (sum + _m);
        }
        for (var m = 0; m < _m; m++)
        {
            var r = weights[m];
            if (r < 1e-12) continue;
            var counts = _communityCounts.AsSpan(m * _k * _k, _k * _k);
            var seed = _seed.AsSpan(m * _k * _k, _k * _k);
            var rows = _communityRowSums.AsSpan(m * _k, _k);
            for (var t = 0; t < _k; t++)
            {
                var c = (t * _k) + answer;
                column[t] += r * (counts[c] + seed[c]) / (rows[t] + SeedPerRow);
            }
        }
    }

    /// <summary>Moves the communities by a labeler's count change C_w[·, answer] += after − before·scale.</summary>
    public void AddDelta(LabelerStatistics labeler, int answer, ReadOnlySpan<double> before, double beforeScale, ReadOnlySpan<double> after)
    {
        if (!labeler.HasMembership) return;
        var r = labeler.Membership;
        for (var m = 0; m < _m; m++)
        {
            var weight = r[m];
            if (weight < 1e-12) continue;
            var counts = _communityCounts.AsSpan(m * _k * _k, _k * _k);
            var rows = _communityRowSums.AsSpan(m * _k, _k);
            for (var t = 0; t < _k; t++)
            {
                var d = weight * (after[t] - (before[t] * beforeScale));
                var c = (t * _k) + answer;
                // Removing contributions can leave −1e-17 residues; counts are never negative.
                counts[c] = Math.Max(0, counts[c] + d);
                rows[t] = Math.Max(0, rows[t] + d);
            }
        }
    }

    /// <summary>
    /// Decays a labeler's counts to <paramref name="now"/> (<see cref="LabelerStatistics.DecayTo"/>) and takes what decayed
    /// out of the communities as well, so they keep holding D_m = Σ_w r_wm·C_w: a model restored from its state, which
    /// rebuilds them from the decayed counts (<see cref="Restore"/>), then goes on exactly as the one that kept running.
    /// </summary>
    public void DecayTo(LabelerStatistics labeler, DateTimeOffset now, TimeSpan? halfLife)
    {
        if (labeler.HasMembership && halfLife is { } h && labeler.UpdatedAt is { } last && now > last)
        {
            var lost = 1.0 - LabelerStatistics.DecayFactor(now - last, h);
            var r = labeler.Membership;
            var counts = labeler.Counts;
            for (var m = 0; m < _m; m++)
            {
                for (var c = 0; c < _k * _k; c++) Shift(m, c, -lost * r[m] * counts[c]);
            }
        }
        labeler.DecayTo(now, halfLife);
    }

    /// <summary>Recomputes the labeler's membership if its evidence has doubled since the last time.</summary>
    /// <remarks>
    /// A selective labeler (<see cref="OnlineDawidSkeneOptions.SelectivePrefixes"/>) never joins a
    /// community: its counts hold only the label it votes where it matches, so they would teach the
    /// communities "says that label whatever the truth" and every new worker would inherit it.
    /// </remarks>
    public void MaybeRefresh(LabelerStatistics labeler)
    {
        if (labeler.Selective) return;
        var evidence = labeler.Evidence;
        // Evidence is a whole number of votes up to rounding, and a restored labeler's row sums are
        // added in another order: the slack keeps the schedule identical after a restore.
        if (evidence >= 1 - Slack && evidence >= (2 * labeler.EvidenceAtRefresh) - Slack) RefreshMembership(labeler, evidence);
    }

    /// <summary>
    /// Rebuilds the communities from restored labelers: D_m = Σ_w r_wm C_w and Σ_w r_wm from the
    /// memberships saved with them, so a restored model continues exactly as the original.
    /// </summary>
    public void Restore(IEnumerable<LabelerStatistics> labelers)
    {
        foreach (var labeler in labelers)
        {
            labeler.ReserveModel(_m);
            if (!labeler.HasMembership) continue;
            var r = labeler.Membership;
            if (r.Length != _m) throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Labeler '{labeler.Labeler}' has {r.Length} community memberships; the model has {_m} communities."), nameof(labelers));
            var counts = labeler.Counts;
            for (var m = 0; m < _m; m++)
            {
                _membershipTotals[m] += r[m];
                for (var c = 0; c < _k * _k; c++) Shift(m, c, r[m] * counts[c]);
            }
        }
    }

    private void RefreshMembership(LabelerStatistics labeler, double evidence)
    {
        var counts = labeler.Counts;
        for (var m = 0; m < _m; m++)
        {
            // Dirichlet-multinomial evidence of the labeler's rows under community m; Γ(n + s)/Γ(s)
            // is the same for every community and cancels, as do cells the labeler never used.
            var log = Math.Log(_membershipTotals[m] + 1.0);
            for (var t = 0; t < _k; t++)
            {
                for (var l = 0; l < _k; l++)
                {
                    var n = counts[(t * _k) + l];
                    if (n <= NegligibleCount) continue;
                    var alpha = _strength * Phi(m, t, l);
                    log += SpecialFunctions.LogGamma(n + alpha) - SpecialFunctions.LogGamma(alpha);
                }
            }
            _logTerms[m] = log;
        }
        Probability.NormalizeLog(_logTerms);

        var assigned = labeler.HasMembership;
        var membership = labeler.Membership;
        for (var m = 0; m < _m; m++)
        {
            var change = _logTerms[m] - (assigned ? membership[m] : 0.0);
            for (var c = 0; c < _k * _k; c++) Shift(m, c, change * counts[c]);
            _membershipTotals[m] = Math.Max(0, _membershipTotals[m] + change);
            membership[m] = _logTerms[m];
        }
        labeler.HasMembership = true;
        labeler.EvidenceAtRefresh = evidence;
    }

    private double Phi(int m, int truth, int answer)
    {
        var c = (((m * _k) + truth) * _k) + answer;
        return (_communityCounts[c] + _seed[c]) / (_communityRowSums[(m * _k) + truth] + SeedPerRow);
    }

    private void Shift(int m, int cell, double amount)
    {
        var c = (m * _k * _k) + cell;
        // Removing contributions can leave −1e-17 residues; counts are never negative.
        _communityCounts[c] = Math.Max(0, _communityCounts[c] + amount);
        var r = (m * _k) + (cell / _k);
        _communityRowSums[r] = Math.Max(0, _communityRowSums[r] + amount);
    }
}
