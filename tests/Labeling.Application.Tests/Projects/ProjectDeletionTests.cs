using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Application.Projects;
using Labeling.Application.Tests.UseCases;
using Labeling.Application.Truth;
using Labeling.Domain.Projects;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Labeling.Application.Tests.Projects;

/// <summary>
/// Deletions on the real SQLite stores: a conditional delete (If-Match) with a change of the project landing between the
/// deletion's read of the project and its mark (the delete was meant for the version the caller read, not the one written
/// meanwhile), and a purge that outlasts the request's time, handed over to the background.
/// </summary>
public sealed class ProjectDeletionTests : IDisposable
{
    private readonly LabelingHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task DeleteAsync_ProjectChangedAfterTheVersionWasChecked_Is412_AndTheProjectStays()
    {
        var project = await _harness.CreateProjectAsync(LabelingHarness.SpamProject());
        var store = _harness.Get<IProjectStore>();
        var deletion = new ProjectDeletion(
            new ChangedAfterRead(store), _harness.Get<IProjectPurge>(), _harness.Get<IProjectFiles>(), _harness.Get<ProjectModels>(), _harness.Time, Options.Create(new ProjectDeletionOptions()), NullLogger<ProjectDeletion>.Instance);

        var refused = await Assert.ThrowsAsync<PreconditionFailedException>(() => deletion.DeleteAsync(project.Id, [project.Version], "admin", CancellationToken.None));

        Assert.Equal(project.Version + 1, refused.Extensions["version"]);
        var kept = await store.GetCurrentAsync(project.Id, CancellationToken.None);
        Assert.NotNull(kept);
        Assert.Equal("Renamed meanwhile", kept.Name);
    }

    [Fact]
    public async Task DeleteAsync_WithNoTimeToPurge_HidesTheProject_AndHandsItsDataToTheBackground()
    {
        var project = await CreateWithItemsAsync();
        var deletion = Deletion(_harness.Get<IProjectPurge>(), TimeSpan.Zero);

        var outcome = await deletion.DeleteAsync(project.Id, null, "admin", CancellationToken.None);

        Assert.Equal(new ProjectDeletionOutcome(project.Id, Purged: false, ItemsPurged: 0), outcome);
        Assert.Null(await _harness.Get<IProjectStore>().GetCurrentAsync(project.Id, CancellationToken.None));
        Assert.Equal(3, await ItemsAsync(project.Id));
        // The hand-over wakes the background at once; the clock (fake) never reaches the hour.
        await deletion.WaitForHandoverAsync(TimeSpan.FromHours(1), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, await deletion.FinishPendingAsync("the background", CancellationToken.None));

        Assert.Equal(0, await ItemsAsync(project.Id));
        Assert.Empty(await _harness.Get<IProjectPurge>().ListDeletedAsync(CancellationToken.None));
    }

    [Fact]
    public async Task DeleteAsync_TimeRunningOutAfterABatch_AnswersWithTheItemsPurged_AndLeavesTheRest()
    {
        var project = await CreateWithItemsAsync();
        var purge = new SlowPurge(_harness.Get<IProjectPurge>(), _harness.Time, TimeSpan.FromSeconds(25));
        var deletion = Deletion(purge, TimeSpan.FromSeconds(20));

        var outcome = await deletion.DeleteAsync(project.Id, null, "admin", CancellationToken.None);

        // One batch (all three items) took 25 s of the 20: the finish step, which would end the deletion, is left.
        Assert.Equal(new ProjectDeletionOutcome(project.Id, Purged: false, ItemsPurged: 3), outcome);
        Assert.Equal([project.Id], await purge.ListDeletedAsync(CancellationToken.None));
        Assert.Equal(1, await deletion.FinishPendingAsync("the background", CancellationToken.None));
        Assert.Empty(await purge.ListDeletedAsync(CancellationToken.None));
    }

    [Fact]
    public async Task FinishPendingAsync_LeavesAProjectARequestIsPurging_ToThatRequest()
    {
        var project = await CreateWithItemsAsync();
        var purge = new HeldPurge(_harness.Get<IProjectPurge>());
        var deletion = Deletion(purge, TimeSpan.FromSeconds(20));

        var request = deletion.DeleteAsync(project.Id, null, "admin", CancellationToken.None);
        await purge.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var finished = await deletion.FinishPendingAsync("the background", CancellationToken.None);
        var batchesBeforeRelease = purge.Batches;
        purge.Release.SetResult();
        var outcome = await request.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, finished);
        Assert.Equal(1, batchesBeforeRelease);
        Assert.True(outcome.Purged);
        Assert.Equal(0, await ItemsAsync(project.Id));
    }

    [Fact]
    public async Task FinishPendingAsync_OneProjectsPurgeFailing_FinishesTheOthers_AndStillFails()
    {
        // "a-broken" comes first in every run's list (by id): its failure used to end the run before "spam" was reached.
        var broken = await _harness.CreateProjectAsync(LabelingHarness.RuleFreeProject("a-broken", new Domain.Routing.RoutingSettings()));
        await _harness.IngestAsync(broken.Id, "comments.csv", "text\na broken comment\n");
        var project = await CreateWithItemsAsync();
        var purge = new FailingPurge(_harness.Get<IProjectPurge>(), broken.Id);
        var deletion = Deletion(purge, TimeSpan.Zero);
        await deletion.DeleteAsync(broken.Id, null, "admin", CancellationToken.None);
        await deletion.DeleteAsync(project.Id, null, "admin", CancellationToken.None);

        var failed = await Assert.ThrowsAsync<AggregateException>(() => deletion.FinishPendingAsync("the background", CancellationToken.None));

        Assert.IsType<IOException>(Assert.Single(failed.InnerExceptions));
        Assert.Contains("'a-broken'", failed.Message, StringComparison.Ordinal);
        Assert.Equal(0, await ItemsAsync(project.Id));
        Assert.Equal([broken.Id], await purge.ListDeletedAsync(CancellationToken.None));
    }

    private ProjectDeletion Deletion(IProjectPurge purge, TimeSpan requestTime) => new(
        _harness.Get<IProjectStore>(), purge, _harness.Get<IProjectFiles>(), _harness.Get<ProjectModels>(), _harness.Time,
        Options.Create(new ProjectDeletionOptions { RequestTime = requestTime }), NullLogger<ProjectDeletion>.Instance);

    private async Task<Project> CreateWithItemsAsync()
    {
        var project = await _harness.CreateProjectAsync(LabelingHarness.SpamProject());
        await _harness.IngestAsync(project.Id, "comments.csv", "text\nfirst comment\nsecond comment\nthird comment\n");
        Assert.Equal(3, await ItemsAsync(project.Id));
        return project;
    }

    private Task<long> ItemsAsync(string projectId) => _harness.ScalarAsync($"SELECT COUNT(*) FROM items WHERE project_id = '{projectId}'");

    // Each batch of items takes the given time on the (fake) clock.
    private sealed class SlowPurge(IProjectPurge inner, Microsoft.Extensions.Time.Testing.FakeTimeProvider time, TimeSpan perBatch) : IProjectPurge
    {
        public Task<bool> MarkDeletedAsync(string projectId, IReadOnlyCollection<int>? acceptedVersions, DateTimeOffset at, CancellationToken cancellationToken) =>
            inner.MarkDeletedAsync(projectId, acceptedVersions, at, cancellationToken);

        public Task<IReadOnlyList<string>> ListDeletedAsync(CancellationToken cancellationToken) => inner.ListDeletedAsync(cancellationToken);

        public async Task<int> PurgeItemsAsync(string projectId, int limit, CancellationToken cancellationToken)
        {
            var deleted = await inner.PurgeItemsAsync(projectId, limit, cancellationToken);
            time.Advance(perBatch);
            return deleted;
        }

        public Task<bool> FinishAsync(string projectId, CancellationToken cancellationToken) => inner.FinishAsync(projectId, cancellationToken);
    }

    // Every batch of one project fails, as a purge does that meets a file it may not delete.
    private sealed class FailingPurge(IProjectPurge inner, string failing) : IProjectPurge
    {
        public Task<bool> MarkDeletedAsync(string projectId, IReadOnlyCollection<int>? acceptedVersions, DateTimeOffset at, CancellationToken cancellationToken) =>
            inner.MarkDeletedAsync(projectId, acceptedVersions, at, cancellationToken);

        public Task<IReadOnlyList<string>> ListDeletedAsync(CancellationToken cancellationToken) => inner.ListDeletedAsync(cancellationToken);

        public Task<int> PurgeItemsAsync(string projectId, int limit, CancellationToken cancellationToken) =>
            projectId == failing ? throw new IOException($"Project '{projectId}' cannot be purged") : inner.PurgeItemsAsync(projectId, limit, cancellationToken);

        public Task<bool> FinishAsync(string projectId, CancellationToken cancellationToken) => inner.FinishAsync(projectId, cancellationToken);
    }

    // The first batch waits until the test lets it go.
    private sealed class HeldPurge(IProjectPurge inner) : IProjectPurge
    {
        private int _batches;

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Batches => Volatile.Read(ref _batches);

        public Task<bool> MarkDeletedAsync(string projectId, IReadOnlyCollection<int>? acceptedVersions, DateTimeOffset at, CancellationToken cancellationToken) =>
            inner.MarkDeletedAsync(projectId, acceptedVersions, at, cancellationToken);

        public Task<IReadOnlyList<string>> ListDeletedAsync(CancellationToken cancellationToken) => inner.ListDeletedAsync(cancellationToken);

        public async Task<int> PurgeItemsAsync(string projectId, int limit, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _batches) == 1)
            {
                Entered.SetResult();
                await Release.Task;
            }

            return await inner.PurgeItemsAsync(projectId, limit, cancellationToken);
        }

        public Task<bool> FinishAsync(string projectId, CancellationToken cancellationToken) => inner.FinishAsync(projectId, cancellationToken);
    }

    // A PATCH by another admin that lands just after the deletion read the project (and found it at the version asked for).
    private sealed class ChangedAfterRead(IProjectStore inner) : IProjectStore
    {
        public Task<Project?> GetAsync(string projectId, CancellationToken cancellationToken) => inner.GetAsync(projectId, cancellationToken);

        public async Task<Project?> GetCurrentAsync(string projectId, CancellationToken cancellationToken)
        {
            var read = await inner.GetCurrentAsync(projectId, cancellationToken);
            if (read is not null)
            {
                Assert.True(await inner.TryReplaceAsync(read with { Name = "Renamed meanwhile", Version = read.Version + 1 }, cancellationToken));
            }

            return read;
        }

        public Task<bool> TryReplaceAsync(Project replacement, CancellationToken cancellationToken) => inner.TryReplaceAsync(replacement, cancellationToken);

        public Task<IReadOnlyList<Project>> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);

        public Task<bool> TryCreateAsync(Project project, CancellationToken cancellationToken) => inner.TryCreateAsync(project, cancellationToken);
    }
}
