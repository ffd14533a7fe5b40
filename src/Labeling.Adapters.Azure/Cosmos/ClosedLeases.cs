using System.Collections.Concurrent;

namespace Labeling.Adapters.Azure.Cosmos;

/// <summary>
/// Ids of leases this process knows to be used or released. Unlike <see cref="VersionCache{T}"/> this may be trusted
/// for reads: such a lease is closed at any time and stays closed whoever writes next (<c>completedAt</c> and
/// <c>releasedAt</c> are only ever set, and a lease id is granted once: <c>TaskLeasing</c> makes each from a new
/// version-7 GUID). Expiry is not recorded: it depends on the caller's clock. A grant's check of the worker's previous
/// lease then needs no read of it.
/// </summary>
/// <remarks>Bounded: past <see cref="Capacity"/> ids it starts over empty; a forgotten lease costs one read.</remarks>
internal sealed class ClosedLeases
{
    private readonly ConcurrentDictionary<string, byte> _ids = new(StringComparer.Ordinal);

    /// <summary>Creates the set.</summary>
    /// <param name="capacity">Ids kept before it starts over.</param>
    public ClosedLeases(int capacity) => Capacity = capacity;

    /// <summary>Ids kept before the set starts over.</summary>
    public int Capacity { get; }

    /// <summary>Whether the lease is known to be closed.</summary>
    public bool Contains(string leaseId) => _ids.ContainsKey(leaseId);

    /// <summary>Remembers a lease as closed; call only once a store write or read has shown it closed.</summary>
    public void Add(string leaseId)
    {
        if (_ids.Count >= Capacity)
        {
            _ids.Clear();
        }

        _ids.TryAdd(leaseId, 0);
    }

    /// <summary>Forgets a lease (its id is being granted: a caller reusing an id must not find it closed).</summary>
    public void Remove(string leaseId) => _ids.TryRemove(leaseId, out _);
}
