using System.Diagnostics;
using System.Globalization;
using Labeling.Application.Crowd;
using Labeling.Application.Items;
using Labeling.Application.Problems;
using Labeling.Bench.Live;
using Labeling.Domain.Items;

namespace Labeling.Bench.Replay;

/// <summary>
/// Plays recorded workers against a live project in rounds. In the lease phase idle workers ask
/// <c>GET tasks/next</c> in round-robin order, one request at a time; in the vote phase every leased
/// worker posts its recorded answer concurrently. A worker takes a lease only when the task it
/// would be offered is one it has an answer for; otherwise it declines without asking, which is what
/// asking and releasing at once would do, one request pair less.
/// </summary>
/// <remarks>
/// <para>Why declining before asking: the server never offers a worker an item it once held a lease on
/// (released or let expire), and a worker holds one task per project (asking again returns the same
/// lease). So asking for a task the worker cannot answer and releasing it (<c>POST tasks/{leaseId}/release</c>)
/// would only take that item out of the worker's pool, which the mirror does by not offering it. The
/// bench knows the server's state exactly (it is the project's only client and no vote is in flight while
/// leasing), so it can tell in advance; every lease is checked against the prediction, and a lease on an
/// item the worker has no answer for (the prediction was wrong) is released at once, as a worker skips a
/// task: the item goes back to the pool and the worker asks again next round.</para>
/// <para>An item whose recorded answers are used up but is still collecting would be offered to
/// every worker who has not voted on it, forever. When such an item reaches the top of the pool a
/// placeholder identity that never votes leases it, which takes it out of the pool the way "everyone
/// skipped it" would; placeholders cost no votes and are not labelers.</para>
/// <para>A worker the server retires (HTTP 403 with the title of <see cref="WorkerRetiredException"/>, see
/// <see cref="Labeling.Domain.Routing.WorkerRetirement"/>) is finished: it asks no more, and its
/// unused answers are dropped from the mirror, so an item only it could still answer counts as
/// exhausted.</para>
/// </remarks>
internal sealed class CrowdReplay
{
    private readonly LabelingApiClient _api;
    private readonly TokenMint _tokens;
    private readonly ReplayProject _project;
    private readonly int _concurrency;
    private readonly TimeProvider _time;
    private readonly PoolMirror _mirror;
    private readonly string[] _workerTokens;
    private readonly bool[] _retired;
    private int _holders;
    private int _mismatches;
    private int _released;
    private int _retiredCount;

    public CrowdReplay(LabelingApiClient api, TokenMint tokens, ReplayProject project, int concurrency, TimeProvider time)
    {
        _api = api;
        _tokens = tokens;
        _project = project;
        _concurrency = concurrency;
        _time = time;
        _mirror = new PoolMirror(project.Crowd);
        _workerTokens = project.Crowd.Workers.Select(tokens.Labeler).ToArray();
        _retired = new bool[project.Crowd.Workers.Count];
    }

    /// <summary>
    /// Puts the items a re-fit re-opened back in the mirror's pool: those <paramref name="items"/> (the server's list)
    /// shows collecting that the mirror holds decided. Returns how many.
    /// </summary>
    public int Reopen(IEnumerable<ItemView> items)
    {
        var reopened = 0;
        foreach (var view in items)
        {
            var item = _project.ItemOf(view.Id);
            if (view.State != ItemState.Collecting || _mirror.IsCollecting(item)) continue;
            _mirror.Reopen(item);
            reopened++;
        }
        return reopened;
    }

    /// <summary>Replays until no worker can make progress; <paramref name="report"/> gets (votes, open items, retired workers) after each round.</summary>
    public async Task<ReplayStats> RunAsync(Action<int, int, int> report, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var workers = _project.Crowd.Workers.Count;
        int votes = 0, rounds = 0, maxInFlight = 0, cursor = 0;
        while (true)
        {
            await ReturnExpiredHoldsAsync(ct).ConfigureAwait(false);
            var batch = new List<(int Worker, int Item, TaskAssignment Task)>(_concurrency);
            var leased = new bool[workers];
            for (var progress = true; progress && batch.Count < _concurrency;)
            {
                progress = false;
                for (var k = 0; k < workers && batch.Count < _concurrency; k++)
                {
                    var worker = (cursor + k) % workers;
                    if (leased[worker] || _retired[worker]) continue;
                    await HoldExhaustedTopAsync(ct).ConfigureAwait(false);
                    var offer = _mirror.OfferFor(worker);
                    if (offer < 0 || !_mirror.CanAnswer(worker, offer)) continue;
                    leased[worker] = true;
                    progress = true;
                    if (await LeaseAsync(worker, offer, ct).ConfigureAwait(false) is { } taken) batch.Add(taken);
                }
            }
            if (batch.Count == 0) break;
            cursor = (batch[^1].Worker + 1) % workers;

            var results = await Task.WhenAll(batch.Select(b => _api.VoteAsync(
                _workerTokens[b.Worker], b.Task.LeaseId, _mirror.AnswerOf(b.Worker, b.Item), _project.Id + "-" + b.Item.ToString(CultureInfo.InvariantCulture), ct))).ConfigureAwait(false);
            for (var n = 0; n < batch.Count; n++)
                _mirror.Voted(batch[n].Worker, batch[n].Item, results[n].State == ItemState.Collecting);
            votes += batch.Count;
            rounds++;
            maxInFlight = Math.Max(maxInFlight, batch.Count);
            report(votes, _mirror.Open, _retiredCount);
        }
        return new ReplayStats(votes, rounds, maxInFlight, _holders, _mismatches, _released, _retiredCount, clock.Elapsed.TotalSeconds);
    }

    // Leases the predicted item to the worker; a different item is counted and, when the worker has
    // no answer for it, released at once (the server will not offer it to this worker again). A retired worker is finished.
    private async Task<(int, int, TaskAssignment)?> LeaseAsync(int worker, int predicted, CancellationToken ct)
    {
        TaskAssignment? task;
        try
        {
            task = await _api.NextTaskAsync(_workerTokens[worker], _project.Id, ct).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.IsWorkerRetired)
        {
            _retired[worker] = true;
            _retiredCount++;
            _mirror.Retire(worker);
            return null;
        }
        if (task is null)
        {
            _mismatches++;
            return null;
        }
        var item = _project.ItemOf(task.ItemId);
        if (item != predicted) _mismatches++;
        if (_mirror.CanAnswer(worker, item))
        {
            _mirror.Lease(item);
            return (worker, item, task);
        }
        await _api.ReleaseAsync(_workerTokens[worker], task.LeaseId, ct).ConfigureAwait(false);
        _mirror.Released(worker, item);
        _released++;
        return null;
    }

    private async Task HoldExhaustedTopAsync(CancellationToken ct)
    {
        for (var top = _mirror.TopUnleased(); top >= 0 && _mirror.IsExhausted(top); top = _mirror.TopUnleased())
        {
            var token = _tokens.Labeler(string.Create(CultureInfo.InvariantCulture, $"replay-holder-{_project.Id}-{++_holders}"));
            var task = await _api.NextTaskAsync(token, _project.Id, ct).ConfigureAwait(false);
            if (task is null)
            {
                _mismatches++;
                return;
            }
            var item = _project.ItemOf(task.ItemId);
            if (item != top) _mismatches++;
            _mirror.Park(item, task.ExpiresAt);
        }
    }

    // A placeholder lease ends after LeaseDuration; wait for it rather than let the item surprise a worker.
    private async Task ReturnExpiredHoldsAsync(CancellationToken ct)
    {
        var next = _mirror.NextUnpark();
        if (next is null) return;
        var wait = next.Value - _time.GetUtcNow() + TimeSpan.FromMilliseconds(50);
        if (wait > TimeSpan.FromSeconds(2)) return;
        if (wait > TimeSpan.Zero) await Task.Delay(wait, _time, ct).ConfigureAwait(false);
        _mirror.Unpark(_time.GetUtcNow());
    }
}
