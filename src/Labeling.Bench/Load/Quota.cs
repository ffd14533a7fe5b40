namespace Labeling.Bench.Load;

/// <summary>A count of votes shared by concurrent workers; each takes one before voting and gives it back if it cannot vote.</summary>
internal sealed class Quota(int count)
{
    private int _left = count;

    /// <summary>Votes not taken.</summary>
    public int Left => Volatile.Read(ref _left);

    /// <summary>Takes one vote from the quota; false when it is used up.</summary>
    public bool TryTake()
    {
        while (true)
        {
            var left = Volatile.Read(ref _left);
            if (left <= 0) return false;
            if (Interlocked.CompareExchange(ref _left, left - 1, left) == left) return true;
        }
    }

    /// <summary>Gives back a vote taken by a worker that could not cast it, for the other workers.</summary>
    public void Return() => Interlocked.Increment(ref _left);
}
