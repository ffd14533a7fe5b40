using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Application.Projects;
using Labeling.Application.Tests.UseCases;
using Labeling.Application.Truth;
using Labeling.Domain.Projects;
using Microsoft.Extensions.Logging.Abstractions;

namespace Labeling.Application.Tests.Projects;

/// <summary>
/// A conditional delete (If-Match) on the real SQLite stores, with a change of the project landing between the deletion's
/// read of the project and its mark: the delete was meant for the version the caller read, not the one written meanwhile.
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
            new ChangedAfterRead(store), _harness.Get<IProjectPurge>(), _harness.Get<ProjectModels>(), _harness.Time, NullLogger<ProjectDeletion>.Instance);

        var refused = await Assert.ThrowsAsync<PreconditionFailedException>(() => deletion.DeleteAsync(project.Id, [project.Version], "admin", CancellationToken.None));

        Assert.Equal(project.Version + 1, refused.Extensions["version"]);
        var kept = await store.GetCurrentAsync(project.Id, CancellationToken.None);
        Assert.NotNull(kept);
        Assert.Equal("Renamed meanwhile", kept.Name);
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
