namespace Labeling.Bench.Replay;

/// <summary>
/// The bench's copy of the server's crowd pool for one project, kept exact because the bench is the
/// project's only client: which items are collecting, their crowd votes, which are leased, and
/// which worker has voted on what. It predicts the task <c>GET tasks/next</c> will hand a worker.
/// </summary>
/// <remarks>
/// The prediction follows the server's lease query (<c>SqliteLeaseStore.FindCandidatesAsync</c>):
/// among items that are collecting, not leased and neither voted on nor once leased by the worker, the one with the most
/// crowd votes, ties broken by insertion order (the upload order). The replay checks every lease
/// against the prediction and counts mismatches, so a change of that order shows up in the figures.
/// </remarks>
internal sealed class PoolMirror
{
    private readonly int[] _crowdVotes;
    private readonly bool[] _collecting;
    private readonly bool[] _leased;
    private readonly DateTimeOffset?[] _parkedUntil;
    private readonly int[] _remainingAnswerers;
    private readonly IReadOnlyList<Dictionary<int, string>> _answers;
    private readonly HashSet<int>[] _seen;
    private readonly List<int> _order = [];
    private bool _dirty = true;

    /// <summary>Starts with every item collecting, unleased and without votes.</summary>
    public PoolMirror(RecordedCrowd crowd)
    {
        var n = crowd.Items.Count;
        _crowdVotes = new int[n];
        _collecting = new bool[n];
        _leased = new bool[n];
        _parkedUntil = new DateTimeOffset?[n];
        _remainingAnswerers = new int[n];
        Array.Fill(_collecting, true);
        _answers = crowd.Answers.Select(a => new Dictionary<int, string>(a)).ToList();
        _seen = crowd.Answers.Select(_ => new HashSet<int>()).ToArray();
        foreach (var answers in _answers)
            foreach (var item in answers.Keys) _remainingAnswerers[item]++;
    }

    /// <summary>Items still collecting that are not parked.</summary>
    public int Open
    {
        get
        {
            Sort();
            return _order.Count;
        }
    }

    /// <summary>Whether <paramref name="worker"/> still holds an unused recorded answer for <paramref name="item"/>.</summary>
    public bool CanAnswer(int worker, int item) => _answers[worker].ContainsKey(item);

    /// <summary><paramref name="worker"/>'s recorded label for <paramref name="item"/>.</summary>
    public string AnswerOf(int worker, int item) => _answers[worker][item];

    /// <summary>Whether no worker has an unused answer for <paramref name="item"/>: the replay can give it no more votes.</summary>
    public bool IsExhausted(int item) => _remainingAnswerers[item] == 0;

    /// <summary>The item the server would lease to <paramref name="worker"/> now; -1 for none (204).</summary>
    public int OfferFor(int worker) => First(_seen[worker]);

    /// <summary>The item the server would lease to an identity that never voted; -1 when the pool is empty.</summary>
    public int TopUnleased() => First(null);

    /// <summary>Records a lease the server granted.</summary>
    public void Lease(int item) => _leased[item] = true;

    /// <summary>
    /// Takes a leased item out of the pool until <paramref name="until"/> (when its lease expires and
    /// the server offers it again).
    /// </summary>
    public void Park(int item, DateTimeOffset until)
    {
        _leased[item] = true;
        _parkedUntil[item] = until;
        _dirty = true;
    }

    /// <summary>The earliest time a parked item comes back, or null when none is parked.</summary>
    public DateTimeOffset? NextUnpark()
    {
        DateTimeOffset? next = null;
        foreach (var until in _parkedUntil)
            if (until is { } u && (next is null || u < next)) next = u;
        return next;
    }

    /// <summary>Returns parked items whose lease has expired by <paramref name="now"/> to the pool.</summary>
    public void Unpark(DateTimeOffset now)
    {
        for (var item = 0; item < _parkedUntil.Length; item++)
        {
            if (_parkedUntil[item] is { } until && until <= now)
            {
                _parkedUntil[item] = null;
                _leased[item] = false;
                _dirty = true;
            }
        }
    }

    /// <summary>
    /// Drops every answer <paramref name="worker"/> has left: the server retired the worker, so an item
    /// only it could still answer is exhausted for the replay.
    /// </summary>
    public void Retire(int worker)
    {
        foreach (var item in _answers[worker].Keys) _remainingAnswerers[item]--;
        _answers[worker].Clear();
    }

    /// <summary>
    /// Applies a vote the server recorded: one more crowd vote on the item (every crowd vote comes from the replay, so
    /// its count is the server's), its new state, the lease released, the answer used.
    /// </summary>
    public void Voted(int worker, int item, bool stillCollecting)
    {
        if (_answers[worker].Remove(item)) _remainingAnswerers[item]--;
        _seen[worker].Add(item);
        _crowdVotes[item]++;
        _collecting[item] = stillCollecting;
        _leased[item] = false;
        _dirty = true;
    }

    /// <summary>
    /// Applies a release: <paramref name="worker"/> held a lease on <paramref name="item"/> and gave it back without
    /// voting, so the item is in the pool again, but never offered to that worker.
    /// </summary>
    public void Released(int worker, int item)
    {
        _seen[worker].Add(item);
        _leased[item] = false;
        _dirty = true;
    }

    /// <summary>Whether the server still collects votes for <paramref name="item"/> as far as the mirror knows.</summary>
    public bool IsCollecting(int item) => _collecting[item];

    /// <summary>Puts a decided item back in the pool: a re-fit's re-check re-opened it (its votes and voters stay).</summary>
    public void Reopen(int item)
    {
        _collecting[item] = true;
        _dirty = true;
    }

    private int First(HashSet<int>? seen)
    {
        Sort();
        foreach (var item in _order)
        {
            if (!_leased[item] && (seen is null || !seen.Contains(item))) return item;
        }
        return -1;
    }

    private void Sort()
    {
        if (!_dirty) return;
        _order.Clear();
        for (var item = 0; item < _collecting.Length; item++)
            if (_collecting[item] && _parkedUntil[item] is null) _order.Add(item);
        // Most crowd votes first, then upload order: the server finishes started items first.
        _order.Sort((a, b) => _crowdVotes[a] != _crowdVotes[b] ? _crowdVotes[b].CompareTo(_crowdVotes[a]) : a.CompareTo(b));
        _dirty = false;
    }
}
