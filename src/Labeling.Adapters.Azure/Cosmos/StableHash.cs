namespace Labeling.Adapters.Azure.Cosmos;

/// <summary>A hash that is the same in every process (string.GetHashCode is randomised per process).</summary>
internal static class StableHash
{
    /// <summary>FNV-1a over the UTF-16 code units, reduced to a bucket.</summary>
    public static int Bucket(string value, int buckets)
    {
        var hash = 2166136261u;
        foreach (var c in value)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % (uint)buckets);
    }
}
