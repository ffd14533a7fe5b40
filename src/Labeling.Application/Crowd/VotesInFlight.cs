using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Labeling.Application.Crowd;

/// <summary>
/// Votes queued for the store (<see cref="Ports.IQueuedItemCommits"/>) but not saved yet: per lease, so a
/// second vote on the same lease waits for the first to land before it is checked; and per project, so the
/// budget counts them before the stored counter does.
/// </summary>
internal sealed class VotesInFlight
{
    private readonly ConcurrentDictionary<string, Task> _byLease = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StrongBox<int>> _byProject = new(StringComparer.Ordinal);

    /// <summary>The save of a vote on this lease that is still under way, or null.</summary>
    public Task? Saving(string leaseId) => _byLease.TryGetValue(leaseId, out var saving) ? saving : null;

    /// <summary>Votes of the project still being saved.</summary>
    public int Votes(string projectId) => _byProject.TryGetValue(projectId, out var count) ? Volatile.Read(ref count.Value) : 0;

    /// <summary>Counts a vote until <paramref name="saving"/> completes; returns a task that completes (or fails) with it.</summary>
    public Task Track(string projectId, string leaseId, Task saving)
    {
        var count = _byProject.GetOrAdd(projectId, static _ => new StrongBox<int>());
        Interlocked.Increment(ref count.Value);
        _byLease[leaseId] = saving;
        return UntilSavedAsync();

        async Task UntilSavedAsync()
        {
            try
            {
                await saving.ConfigureAwait(false);
            }
            finally
            {
                // Removed after the save, so that a vote counted here is (briefly) counted twice, never missed.
                Interlocked.Decrement(ref count.Value);
                _byLease.TryRemove(KeyValuePair.Create(leaseId, saving));
            }
        }
    }
}
