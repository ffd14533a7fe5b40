using Labeling.Application.Crowd;
using Labeling.Application.Ports;
using Labeling.Application.Truth;
using Labeling.Domain.Routing;

namespace Labeling.Application.Workers;

/// <summary>What the truth model has learned about a worker, for the worker to see.</summary>
public sealed class WorkerStatistics
{
    private readonly IProjectStore _projects;
    private readonly IItemStore _items;
    private readonly ProjectModels _models;

    /// <summary>Creates the query.</summary>
    public WorkerStatistics(IProjectStore projects, IItemStore items, ProjectModels models)
    {
        _projects = projects;
        _items = items;
        _models = models;
    }

    /// <summary>The worker's reliability in every project they voted in.</summary>
    /// <param name="workerId">The worker's labeler id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The estimates.</returns>
    public async Task<WorkerReliability> ForWorkerAsync(string workerId, CancellationToken cancellationToken)
    {
        var result = new List<ProjectReliability>();
        foreach (var project in await _projects.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            var votes = await _items.CountVotesByAsync(project.Id, workerId, cancellationToken).ConfigureAwait(false);
            if (votes.Votes == 0)
            {
                continue;
            }

            using var session = await _models.OpenAsync(project.Id, cancellationToken).ConfigureAwait(false);
            var model = session.Model.Model;
            var names = project.Schema.Names;
            // As of the model's last load (a re-fit or a start), not vote by vote: see ReliabilitySnapshot.
            var snapshot = session.Model.Snapshot
                ?? throw new InvalidOperationException($"The model of project '{project.Id}' was loaded without its reliability snapshot.");
            var (confusion, evidence) = snapshot.Of(workerId);
            var priors = snapshot.ClassPriors;
            var rows = ConfusionRows.ByLabel(confusion, names);
            var accuracy = 0.0;
            for (var t = 0; t < names.Count; t++)
            {
                accuracy += priors[t] * confusion[t, t];
            }

            var retired = WorkerRetirement.MostlyUnsure(votes.Votes, votes.Unsure, project.Routing, _models.ModelOptions.PriorStrength)
                || WorkerRetirementCheck.Retired(session.Model, workerId, _models.ModelOptions.PriorStrength, WorkerRetirement.LabeledShare(votes.Votes, votes.Unsure)) is not null;
            result.Add(new ProjectReliability(project.Id, votes.Votes, Math.Round(evidence, 3), Math.Round(accuracy, 4), rows, retired) { Unsure = votes.Unsure, EstimatedAt = snapshot.TakenAt });
        }

        return new WorkerReliability(workerId, result);
    }
}
