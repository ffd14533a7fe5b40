using Labeling.Application.Problems;
using Labeling.Application.Review;
using Labeling.Application.Tests.UseCases;
using Labeling.Application.Truth;

namespace Labeling.Application.Tests.Truth;

/// <summary>The cache of project models on the real SQLite stores.</summary>
public sealed class ProjectModelsTests : IDisposable
{
    private readonly LabelingHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task OpenAsync_IdsThatNameNoProject_AreRefusedAndLeaveNothingCached()
    {
        var models = _harness.Get<ProjectModels>();

        for (var i = 0; i < 200; i++)
        {
            await Assert.ThrowsAsync<NotFoundException>(() => models.OpenAsync($"no-such-project-{i}", CancellationToken.None));
        }

        // The two use cases a caller reaches with any id (a reviewer's resolution, an admin's re-fit) go through it too.
        await Assert.ThrowsAsync<NotFoundException>(() => _harness.Get<ReliabilityRefit>().RefitAsync("nope", CancellationToken.None));
        await Assert.ThrowsAsync<NotFoundException>(() => _harness.Get<ReviewResolution>().ResolveAsync(
            "nope-either", "item", new ResolutionRequest("spam"), "rita", CancellationToken.None));
        Assert.Equal(0, models.Count);
    }

    [Fact]
    public async Task OpenAsync_AProject_IsLoadedOnceAndKept()
    {
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject());
        var models = _harness.Get<ProjectModels>();

        ProjectTruthModel first;
        using (var session = await models.OpenAsync("spam", CancellationToken.None))
        {
            first = session.Model;
        }

        using var again = await models.OpenAsync("spam", CancellationToken.None);
        Assert.Same(first, again.Model);
        Assert.Equal(1, models.Count);
    }
}
