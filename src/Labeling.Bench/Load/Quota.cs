namespace Labeling.Bench.Load;

/// <summary>A count of votes shared by concurrent workers; each takes one before voting.</summary>
internal sealed class Quota(int count)
{
    private int _left = count;

    /// <summary>Takes one vote from the quota; false when it is used up.</summary>
    public bool TryTake() => Interlocked.Decrement(ref _left) >= 0;
}
