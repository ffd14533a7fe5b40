using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;

namespace Labeling.Bench.Load;

/// <summary>One simulated worker of <c>http-load</c>: lease, vote a seeded random label, repeat.</summary>
internal sealed class LoadWorker(LoadClient api, string projectId, string token, int seed)
{
    private readonly Random _random = new(seed);
    private readonly string _bearer = "Bearer " + token;
    private readonly string _project = Uri.EscapeDataString(projectId);
    private int _sequence;

    /// <summary>Latencies of <c>GET tasks/next</c> that returned a task.</summary>
    public LatencySample Leases { get; private set; } = new();

    /// <summary>Latencies of <c>POST tasks/{lease}/votes</c>.</summary>
    public LatencySample Votes { get; private set; } = new();

    /// <summary>Lease requests answered 204 (nothing left for this worker).</summary>
    public int Empty { get; private set; }

    /// <summary>Whether the project retired this worker (a voter the model reads as uninformative, like these random ones can be); it votes no more.</summary>
    public bool Retired { get; private set; }

    /// <summary>Arrivals of the paced mode this worker took up: how long each waited, from its scheduled time, for this worker to take it.</summary>
    public LatencySample StartLags { get; private set; } = new();

    /// <summary>Forgets the latencies recorded so far (after the warm-up).</summary>
    public void Reset()
    {
        Leases = new LatencySample();
        Votes = new LatencySample();
        StartLags = new LatencySample();
        Empty = 0;
    }

    /// <summary>
    /// Votes until the quota is used up, the pool has nothing for this worker, or the project retires it; returns the
    /// votes cast. A vote it took from the quota and could not cast goes back to the other workers.
    /// </summary>
    public async Task<int> RunAsync(Quota quota, CancellationToken ct)
    {
        var cast = 0;
        while (!Retired && quota.TryTake())
        {
            if (!await CastAsync(Stopwatch.GetTimestamp(), ct).ConfigureAwait(false))
            {
                quota.Return();
                return cast;
            }
            cast++;
        }
        return cast;
    }

    /// <summary>
    /// The paced (open-loop) mode: casts one vote for each arrival it takes from <paramref name="arrivals"/> (the
    /// <see cref="Stopwatch"/> timestamp it was due), until they end, the pool has nothing for this worker, or the project
    /// retires it; returns the votes cast. The lease's latency counts from the arrival's due time, so an arrival that waited
    /// for a free worker, or for a late generator, counts its wait as the server's: a slow server cannot hide behind
    /// fewer requests sent (no coordinated omission). An arrival this worker could not cast is left uncast and shows as
    /// fewer votes.
    /// </summary>
    public async Task<int> RunPacedAsync(ChannelReader<long> arrivals, CancellationToken ct)
    {
        var cast = 0;
        while (!Retired && await arrivals.WaitToReadAsync(ct).ConfigureAwait(false))
        {
            if (!arrivals.TryRead(out var due)) continue;
            StartLags.Add(Math.Max(0, Stopwatch.GetElapsedTime(due).TotalMilliseconds));
            if (!await CastAsync(due, ct).ConfigureAwait(false)) return cast;
            cast++;
        }
        return cast;
    }

    // One lease and its vote, the lease timed from `start`; false when the worker got no task or was retired.
    private async Task<bool> CastAsync(long start, CancellationToken ct)
    {
        string? leaseId;
        try
        {
            leaseId = await api.NextLeaseAsync(_bearer, _project, ct).ConfigureAwait(false);
        }
        catch (Live.ApiException e) when (e.IsWorkerRetired)
        {
            Retired = true;
            return false;
        }
        if (leaseId is null)
        {
            Empty++;
            return false;
        }
        Leases.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        var label = LoadProject.Labels[_random.Next(LoadProject.Labels.Count)];
        var voteStart = Stopwatch.GetTimestamp();
        await api.VoteAsync(_bearer, Uri.EscapeDataString(leaseId), label, string.Create(CultureInfo.InvariantCulture, $"{projectId}-{++_sequence}"), ct).ConfigureAwait(false);
        Votes.Add(Stopwatch.GetElapsedTime(voteStart).TotalMilliseconds);
        return true;
    }
}
