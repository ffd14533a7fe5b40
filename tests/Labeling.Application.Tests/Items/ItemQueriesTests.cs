using Labeling.Application.Items;
using Labeling.Application.Ports;
using Labeling.Application.Tests.UseCases;
using Labeling.Domain.Items;
using Labeling.Domain.Labelers;

namespace Labeling.Application.Tests.Items;

/// <summary>What the item API shows of a decided item.</summary>
public sealed class ItemQueriesTests : IDisposable
{
    private readonly LabelingHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Get_And_List_RoundTheConfidence_AsThePosteriorAndTheExport()
    {
        // README: the export and the item API round confidence and posterior to six decimals. The item API rounded the
        // posterior only: "confidence":0.8738004905403944 beside "spam":0.8738.
        var project = LabelingHarness.SpamProject();
        await _harness.CreateProjectAsync(project);
        await _harness.IngestAsync("spam", "items.csv", "text\nhello there\n");
        var item = (await _harness.Get<IItemStore>().ListAsync("spam", null, null, 10, CancellationToken.None)).Single();
        double[] posterior = [0.8738004905403944, 0.1261995094596056];
        var decided = item with
        {
            State = ItemState.Decided, Label = "spam", Confidence = posterior[0], DecidedBy = DecidedBy.Crowd, Posterior = posterior,
            CrowdVotes = 3, CrowdLabels = 3, Revision = item.Revision + 1, UpdatedAt = _harness.Time.GetUtcNow(),
        };
        await _harness.CommitVotedAsync(project, decided, [LabelerIds.Worker("ann"), LabelerIds.Worker("bo"), LabelerIds.Worker("cy")], [0, 0, 0], posterior);

        var queries = _harness.Get<ItemQueries>();
        var one = await queries.GetAsync("spam", item.Id, CancellationToken.None);
        var listed = (await queries.ListAsync("spam", null, null, 10, CancellationToken.None)).Single();

        Assert.Equal(0.8738, one.Confidence);
        Assert.Equal(0.8738, one.Posterior!["spam"]);
        Assert.Equal(0.8738, listed.Confidence);
    }
}
