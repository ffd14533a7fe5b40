using Labeling.Domain.Items;

namespace Labeling.Adapters.Local.Tests.Sqlite;

/// <summary>Items for the store tests.</summary>
internal static class TestItems
{
    /// <summary>A collecting item of project <c>p1</c> with no votes, its text and content hash made from its id.</summary>
    public static Item Collecting(string id, DateTimeOffset at, long revision = 1) =>
        new("p1", id, "doc_1", "row-1", null, "text of " + id, "hash-" + id, ItemState.Collecting, null, null, null, null, null, 0, 0, 0, revision, at, at, null);
}
