using Labeling.Domain.Items;

namespace Labeling.Adapters.Local.Sqlite;

/// <summary>
/// Items as last read or written by this process, so that the two item reads of a lease and its vote are served from
/// memory instead of a read connection whose page cache every commit of the others has emptied.
/// </summary>
/// <remarks>
/// <para>
/// Never staler than the database, by three rules. An item's body changes only through a commit
/// (<see cref="SqliteCommitWriter"/>), which raises its revision by one, and only this process writes the data folder
/// (<see cref="Hosting.DataFolderLock"/>); so an offered item replaces a held one only when its revision is higher, and
/// two offers of one item that arrive out of order keep the newer. An item is offered only once it is saved: a commit
/// offers the items it wrote after its transaction committed, a grant the body it read on the writer's turn, a read
/// what its read transaction saw. And each offer carries the <see cref="Epoch"/> taken before its value was read or
/// written (on the writer's turn, or before the read began); emptying the cache moves the epoch on, and an offer from an
/// earlier epoch is dropped, since a newer revision it would have lost to may have been held and emptied meanwhile.
/// </para>
/// <para>
/// At most <see cref="Capacity"/> items are held; an offer beyond that empties the cache. Lease columns are not part
/// of an item's body, so a grant or release does not change what is held.
/// </para>
/// </remarks>
internal sealed class SqliteItemCache
{
    /// <summary>How many items are held before the cache is emptied.</summary>
    internal const int Capacity = 10_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<(string ProjectId, string ItemId), Item> _items = [];
    private long _epoch;

    /// <summary>Moves on each time the cache is emptied; take it before reading or writing a value to offer.</summary>
    public long Epoch
    {
        get
        {
            lock (_gate)
            {
                return _epoch;
            }
        }
    }

    /// <summary>How many items are held.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>The item as last saved, when held.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="itemId">The item.</param>
    /// <param name="item">The item.</param>
    /// <returns>True when held.</returns>
    public bool TryGet(string projectId, string itemId, out Item item)
    {
        lock (_gate)
        {
            return _items.TryGetValue((projectId, itemId), out item!);
        }
    }

    /// <summary>
    /// Drops every item of a project whose rows were deleted (<see cref="SqliteProjectPurge"/>), and moves the epoch on: a read
    /// that saw a row before the delete offers it too late to be held.
    /// </summary>
    /// <param name="projectId">The project.</param>
    public void ForgetProject(string projectId)
    {
        lock (_gate)
        {
            foreach (var key in _items.Keys.Where(k => string.Equals(k.ProjectId, projectId, StringComparison.Ordinal)).ToArray())
            {
                _items.Remove(key);
            }

            _epoch++;
        }
    }

    /// <summary>Holds a saved item unless a newer revision is held or the cache was emptied since <paramref name="epoch"/>.</summary>
    /// <param name="item">The item as saved.</param>
    /// <param name="epoch">The <see cref="Epoch"/> taken before the item was read or written.</param>
    public void Offer(Item item, long epoch)
    {
        var key = (item.ProjectId, item.Id);
        lock (_gate)
        {
            if (epoch != _epoch)
            {
                return;
            }

            if (_items.TryGetValue(key, out var held))
            {
                if (held.Revision < item.Revision)
                {
                    _items[key] = item;
                }

                return;
            }

            if (_items.Count >= Capacity)
            {
                _items.Clear();
                _epoch++;
                return;
            }

            _items.Add(key, item);
        }
    }
}
