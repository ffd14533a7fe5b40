using Labeling.Application.Crowd;
using Labeling.Domain.Items;
using Labeling.Domain.Routing;
using Microsoft.Extensions.Time.Testing;

namespace Labeling.Application.Tests.UseCases;

/// <summary>The project's model is not held while rules run: votes of the project go on meanwhile.</summary>
public sealed class WeakLabelingConcurrencyTests : IDisposable
{
    private readonly RuleClock _clock = new();
    private readonly LabelingHarness _harness;

    public WeakLabelingConcurrencyTests() => _harness = new LabelingHarness(time: _clock);

    public void Dispose()
    {
        _clock.Release();
        _harness.Dispose();
    }

    [Fact]
    public async Task Vote_WhileTheProjectsRulesRunOnANewBatch_IsRecordedWithoutWaitingForThem()
    {
        // Rules (up to ten seconds a batch) ran while the batch held the project's model, so every vote and lease of the
        // project waited for them. Here the rules are stopped at their first clock reading until the vote has landed.
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject(new RoutingSettings { ReliabilityDoubt = 0 }));
        await _harness.IngestAsync("spam", "first.csv", "text\nI love this song\nthe chorus is amazing\n");
        await _harness.DrainQueueAsync();
        var task = (await _harness.Get<TaskLeasing>().NextAsync("spam", "worker:a", CancellationToken.None))!;
        await _harness.IngestAsync("spam", "second.csv", "text\nplease subscribe to my channel\nanother comment here\n");

        _clock.HoldRules();
        var weakLabeling = Task.Run(_harness.DrainQueueAsync);
        Assert.True(await _clock.RulesHeld.WaitAsync(TimeSpan.FromSeconds(30)), "the rules never ran");

        var vote = _harness.Get<VoteRecording>().SubmitAsync(task.LeaseId, "worker:a", new VoteRequest("ham"), null, CancellationToken.None);
        // The rules stay held until the wait is over, so a vote that waits for them never finishes in it: a long wait
        // costs nothing when the vote is free, and 5 s was tight for a first vote on a loaded machine.
        var finished = await Task.WhenAny(vote, Task.Delay(TimeSpan.FromSeconds(30)));

        _clock.Release();
        await weakLabeling;
        Assert.True(finished == vote, "the vote waited for the rules of another batch");
        Assert.Equal(ItemState.Collecting, (await vote).Result.State);
        var items = await _harness.Get<Ports.IItemStore>().ListAsync("spam", null, null, 10, CancellationToken.None);
        Assert.All(items, i => Assert.NotEqual(ItemState.WeakLabeling, i.State));
    }

    /// <summary>A fake clock that, once asked to, stops the weak-labeling step at its first reading of the timestamp (the rules' timing).</summary>
    private sealed class RuleClock() : FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
        private readonly ManualResetEventSlim _go = new(true);
        private int _hold;

        public SemaphoreSlim RulesHeld { get; } = new(0, 1);

        public void HoldRules()
        {
            _go.Reset();
            Volatile.Write(ref _hold, 1);
        }

        public void Release()
        {
            Volatile.Write(ref _hold, 0);
            _go.Set();
        }

        public override long GetTimestamp()
        {
            if (Volatile.Read(ref _hold) == 1 && Environment.StackTrace.Contains("WeakLabeling.WeakLabeler", StringComparison.Ordinal)
                && Interlocked.Exchange(ref _hold, 2) == 1)
            {
                RulesHeld.Release();
                _go.Wait(TimeSpan.FromSeconds(60));
            }

            return base.GetTimestamp();
        }
    }
}
