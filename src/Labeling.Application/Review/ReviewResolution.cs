using Labeling.Application.Items;
using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Application.Truth;
using Labeling.Domain.Items;
using Labeling.Domain.Labelers;
using Labeling.Domain.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Labeling.Application.Review;

/// <summary>
/// A reviewer decides an item in <c>needs-review</c>. The reviewer's label is treated as truth: it
/// clamps the item in the truth model (like gold), so the crowd's and the machines' votes on it train
/// their reliabilities, and a <c>label.ready</c> event goes out with the decision.
/// </summary>
/// <remarks>
/// Because the label trains every voter on the item, who resolved it is kept: the item's reason names the reviewer and
/// each resolution is logged (event 4301). A reviewer who voted on the item as a crowd worker (one token may carry both
/// roles) cannot resolve it: their own vote would be judged by their own label.
/// </remarks>
public sealed partial class ReviewResolution
{
    private readonly ProjectModels _models;
    private readonly IItemStore _items;
    private readonly TimeProvider _time;
    private readonly LabelingOptions _options;
    private readonly ILogger<ReviewResolution> _logger;

    /// <summary>Creates the use case.</summary>
    public ReviewResolution(ProjectModels models, IItemStore items, TimeProvider time, IOptions<LabelingOptions> options, ILogger<ReviewResolution> logger)
    {
        _models = models;
        _items = items;
        _time = time;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>Resolves the item.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="itemId">The item.</param>
    /// <param name="request">The chosen label.</param>
    /// <param name="reviewer">The reviewer's subject (the token's), kept in the item's reason and the log.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The decided item.</returns>
    /// <exception cref="AccessDeniedException">The reviewer voted on the item as a crowd worker.</exception>
    public async Task<Item> ResolveAsync(string projectId, string itemId, ResolutionRequest request, string reviewer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(reviewer);
        using var session = await _models.OpenAsync(projectId, cancellationToken).ConfigureAwait(false);
        var model = session.Model;
        var project = model.Project;
        var index = project.Schema.IndexOf(request.Label);
        if (index < 0)
        {
            throw new InvalidRequestException("label", $"'{InvalidRequestException.Echo(request.Label)}' is not a label of this project; use one of [{string.Join(", ", project.Schema.Names)}].");
        }

        var item = await _items.ReadForStepAsync(model, itemId, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false)
            ?? throw NotFoundException.Item(projectId, itemId);
        if (item.IsGold)
        {
            // Its label is known and scores every worker it is served to: a reviewer's other label would turn that truth round.
            throw new ConflictException($"Item '{itemId}' is a gold item: its label is known ('{item.GoldLabel}') and decides it; a reviewer does not resolve it.");
        }

        var decision = new DynamicOverlapPolicy(project.Routing).Next(
            new RoutingSnapshot(item.State, item.IsGold, item.CrowdVotes, item.CrowdLabels, 0),
            new ReviewerResolved(index));
        if (decision.Step != RoutingStep.Decide)
        {
            throw new ConflictException($"Item '{itemId}' is {System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(item.State.ToString())}; only items in needs-review can be resolved.");
        }

        // The stored votes, "unsure" answers included: those are not in the model, and an unsure answer also spends the
        // budget and a place under maxCrowdVotes, so it can send an item to the review its author would then decide.
        var asWorker = LabelerIds.Worker(reviewer);
        if ((await _items.GetVotesAsync(projectId, item.Id, cancellationToken).ConfigureAwait(false)).Any(v => string.Equals(v.LabelerId, asWorker, StringComparison.Ordinal)))
        {
            throw new AccessDeniedException($"You voted on item '{itemId}' as a crowd worker, so another reviewer resolves it: the label you choose judges every vote on it.");
        }

        decision = decision with { Reason = $"Resolved by reviewer '{reviewer}'." };

        var now = _time.GetUtcNow();
        try
        {
            model.SetGold(item.Id, request.Label!, now);
            var posterior = model.Posterior(item.Id) ?? OneHot(index, project.Schema.Labels.Count);
            var next = ItemTransitions.Apply(item, decision, posterior, project, now);
            await _items.CommitAsync(new ItemCommit(projectId)
            {
                Items = [new ItemWrite(next, model.EvidenceOf(item.Id))],
                Statistics = model.StatisticsOfVoters(item.Id),
                TrackIncrements = ItemTransitions.Tracks(model.MachineVotesOn(item.Id), decision, next.Label),
                Events = ItemTransitions.LabelReady(item, next, decision, project, _options.EventSource) is { } evt ? [evt] : [],
            }, cancellationToken).ConfigureAwait(false);
            LogResolved(_logger, projectId, item.Id, reviewer, request.Label!, item.TotalVotes);
            return next;
        }
        catch
        {
            // The clamp is already in the in-memory model; reload it from what was saved.
            session.Invalidate();
            throw;
        }
    }

    [LoggerMessage(EventId = 4301, Level = LogLevel.Information, Message = "Reviewer {Reviewer} resolved item {ItemId} of project {ProjectId} as '{Label}' over {Votes} votes; its voters are scored against it")]
    private static partial void LogResolved(ILogger logger, string projectId, string itemId, string reviewer, string label, int votes);

    private static double[] OneHot(int index, int count)
    {
        var p = new double[count];
        p[index] = 1.0;
        return p;
    }
}
