using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Domain.Items;
using Labeling.Domain.Projects;

namespace Labeling.Application.Items;

/// <summary>Reads items for reviewers: one item with its votes, or a page of items by state.</summary>
public sealed class ItemQueries
{
    private readonly IProjectStore _projects;
    private readonly IItemStore _items;

    /// <summary>Creates the queries.</summary>
    public ItemQueries(IProjectStore projects, IItemStore items)
    {
        _projects = projects;
        _items = items;
    }

    /// <summary>One item with its votes.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="itemId">The item.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The item.</returns>
    public async Task<ItemView> GetAsync(string projectId, string itemId, CancellationToken cancellationToken)
    {
        var project = await ProjectAsync(projectId, cancellationToken).ConfigureAwait(false);
        var item = await _items.GetAsync(projectId, itemId, cancellationToken).ConfigureAwait(false)
            ?? throw NotFoundException.Item(projectId, itemId);
        var votes = await _items.GetVotesAsync(projectId, itemId, cancellationToken).ConfigureAwait(false);
        return View(item, project.Schema, votes.Select(v => new VoteView(v.LabelerId, v.Kind, v.Label, v.At)).ToArray());
    }

    /// <summary>A page of items, in id order.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="state">Only this state, or all.</param>
    /// <param name="after">Continue after this item id.</param>
    /// <param name="limit">Page size, 1–1000.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The items, without votes.</returns>
    public async Task<IReadOnlyList<ItemView>> ListAsync(string projectId, ItemState? state, string? after, int limit, CancellationToken cancellationToken)
    {
        PageLimit.Checked(limit);
        var project = await ProjectAsync(projectId, cancellationToken).ConfigureAwait(false);
        var items = await _items.ListAsync(projectId, state, after, limit, cancellationToken).ConfigureAwait(false);
        return items.Select(i => View(i, project.Schema, null)).ToArray();
    }

    private async Task<Project> ProjectAsync(string projectId, CancellationToken cancellationToken) =>
        await _projects.GetAsync(projectId, cancellationToken).ConfigureAwait(false)
            ?? throw NotFoundException.Project(projectId);

    private static ItemView View(Item i, LabelSchema schema, IReadOnlyList<VoteView>? votes) => new(
        i.Id, i.ProjectId, i.DocumentId, i.SourceId, i.ExternalId, i.Text, i.State, i.IsGold,
        i.HasLabel ? i.Label : null, i.HasLabel && i.Confidence is { } c ? Math.Round(c, 6) : null, i.HasLabel ? i.DecidedBy : null,
        PosteriorView.ByLabel(i.Posterior, schema), i.Reason, i.Revision, votes)
    {
        ReopenedFromRevision = i.ReopenedFromRevision,
    };
}
