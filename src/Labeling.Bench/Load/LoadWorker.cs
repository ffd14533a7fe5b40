using System.Diagnostics;

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

    /// <summary>Forgets the latencies recorded so far (after the warm-up).</summary>
    public void Reset()
    {
        Leases = new LatencySample();
        Votes = new LatencySample();
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
            var start = Stopwatch.GetTimestamp();
            string? leaseId;
            try
            {
                leaseId = await api.NextLeaseAsync(_bearer, _project, ct).ConfigureAwait(false);
            }
            catch (Live.ApiException e) when (e.IsWorkerRetired)
            {
                Retired = true;
                quota.Return();
                return cast;
            }
            if (leaseId is null)
            {
                Empty++;
                quota.Return();
                return cast;
            }
            Leases.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            var label = LoadProject.Labels[_random.Next(LoadProject.Labels.Count)];
            start = Stopwatch.GetTimestamp();
            await api.VoteAsync(_bearer, Uri.EscapeDataString(leaseId), label, $"{projectId}-{++_sequence}", ct).ConfigureAwait(false);
            Votes.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            cast++;
        }
        return cast;
    }
}
