using System.Collections.Concurrent;

namespace Labeling.Adapters.Azure.Cosmos;

/// <summary>
/// The last version of documents this process read or wrote, with their ETags, so that a write can go
/// out as one ETag-guarded replace instead of a read and a replace. Never trusted for reads: a stale
/// entry only costs the write a 412, after which the caller reads the document and tries again.
/// </summary>
/// <typeparam name="T">What is remembered of a document.</typeparam>
/// <remarks>
/// Bounded: past <see cref="Capacity"/> entries it starts over empty (the hot documents come back within
/// a few requests), which keeps it a dictionary rather than an LRU list under a lock.
/// </remarks>
internal sealed class VersionCache<T>
{
    private readonly ConcurrentDictionary<string, (T Value, string ETag)> _entries = new(StringComparer.Ordinal);

    /// <summary>Creates the cache.</summary>
    /// <param name="capacity">Entries kept before it starts over.</param>
    public VersionCache(int capacity) => Capacity = capacity;

    /// <summary>Entries kept before the cache starts over.</summary>
    public int Capacity { get; }

    /// <summary>The remembered version of a document.</summary>
    public bool TryGet(string id, out T value, out string etag)
    {
        if (_entries.TryGetValue(id, out var entry))
        {
            (value, etag) = entry;
            return true;
        }

        value = default!;
        etag = "";
        return false;
    }

    /// <summary>Remembers a version; a null ETag (the document is gone or unknown) forgets it.</summary>
    public void Set(string id, T value, string? etag)
    {
        if (etag is null)
        {
            _entries.TryRemove(id, out _);
            return;
        }

        if (_entries.Count >= Capacity)
        {
            _entries.Clear();
        }

        _entries[id] = (value, etag);
    }

    /// <summary>Forgets a document (after a 412: some other writer has a newer version).</summary>
    public void Forget(string id) => _entries.TryRemove(id, out _);
}
