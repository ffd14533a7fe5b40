using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Domain.Documents;
using Labeling.Domain.Items;
using Labeling.Domain.Projects;
using Labeling.Domain.Routing;
using Labeling.Domain.Rules;

namespace Labeling.Application.Projects;

/// <summary>Creates and reads projects and their progress.</summary>
public sealed partial class ProjectService
{
    private readonly IProjectStore _projects;
    private readonly IItemStore _items;
    private readonly IDocumentStore _documents;
    private readonly TimeProvider _time;

    /// <summary>Creates the service.</summary>
    public ProjectService(IProjectStore projects, IItemStore items, IDocumentStore documents, TimeProvider time)
    {
        _projects = projects;
        _items = items;
        _documents = documents;
        _time = time;
    }

    /// <summary>Creates a project from a request, validating everything up front.</summary>
    /// <param name="request">The definition.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The project.</returns>
    /// <exception cref="InvalidRequestException">The definition is invalid; the errors say what to change.</exception>
    /// <exception cref="ConflictException">The id is taken.</exception>
    public async Task<Project> CreateAsync(CreateProjectRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        string[] missing =
        [
            .. (request.Labels ?? []).Select((l, i) => l is null ? $"labels[{i}] is null; give each label as an object with a name." : null).OfType<string>(),
            .. (request.Rules ?? []).Select((r, i) => r is null ? $"rules[{i}] is null; give each rule as an object with an id, a label, and keywords or a pattern." : null).OfType<string>(),
        ];
        if (missing.Length > 0)
        {
            throw new InvalidRequestException(new Dictionary<string, string[]>(StringComparer.Ordinal) { ["project"] = missing });
        }

        var project = new Project(
            request.Id ?? string.Empty,
            request.Name ?? request.Id ?? string.Empty,
            new LabelSchema(
                request.TaskKind ?? TaskKind.SingleLabel,
                (request.Labels ?? []).Select(l => new LabelDefinition(l.Name ?? string.Empty, l.Description ?? string.Empty)).ToArray(),
                request.Instructions ?? string.Empty),
            (request.Rules ?? []).Select(r => new LabelRule
            {
                Id = r.Id ?? string.Empty,
                Label = r.Label ?? string.Empty,
                Keywords = r.Keywords ?? [],
                Pattern = r.Pattern,
                CaseSensitive = r.CaseSensitive,
            }).ToArray(),
            request.Routing ?? new RoutingSettings(),
            request.TextColumn,
            _time.GetUtcNow());
        var errors = project.Validate();
        if (errors.Count > 0)
        {
            // Keyed by the field each names, as the other bodies' errors are (a client shows each beside its field).
            throw new InvalidRequestException(errors
                .GroupBy(FieldOf, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal));
        }

        if (!await _projects.TryCreateAsync(project, cancellationToken).ConfigureAwait(false))
        {
            throw new ConflictException($"A project with id '{project.Id}' already exists. Choose another id.");
        }

        return project;
    }

    /// <summary>The request field a validation message is about, from how the message begins; <c>project</c> when it names none.</summary>
    /// <param name="message">A message of <see cref="Project.Validate"/>.</param>
    /// <returns>A path such as <c>routing.crowdTarget</c>, <c>labels[1].description</c>, <c>labels</c>, <c>rules</c>, <c>id</c>.</returns>
    internal static string FieldOf(string message) =>
        FieldPath().Match(message) is { Success: true } path ? path.Value
        : message.StartsWith("Rule", StringComparison.Ordinal) || message.StartsWith("The project has", StringComparison.Ordinal) ? "rules"
        : message.StartsWith("Label", StringComparison.Ordinal) || message.StartsWith("Every label", StringComparison.Ordinal)
            || message.StartsWith("A schema", StringComparison.Ordinal) || message.StartsWith("The schema", StringComparison.Ordinal) ? "labels"
        : message.StartsWith("The project id", StringComparison.Ordinal) ? "id"
        : message.StartsWith("The project name", StringComparison.Ordinal) || message.StartsWith("The project needs a name", StringComparison.Ordinal) ? "name"
        : message.StartsWith("Task kind", StringComparison.Ordinal) ? "taskKind"
        : "project";

    [System.Text.RegularExpressions.GeneratedRegex(@"^(routing\.[A-Za-z]+|labels\[\d+\]\.[A-Za-z]+|instructions)\b", System.Text.RegularExpressions.RegexOptions.None, 1000)]
    private static partial System.Text.RegularExpressions.Regex FieldPath();

    /// <summary>Reads a project.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The project.</returns>
    public async Task<Project> GetAsync(string projectId, CancellationToken cancellationToken) =>
        await _projects.GetAsync(projectId, cancellationToken).ConfigureAwait(false)
            ?? throw NotFoundException.Project(projectId);

    /// <summary>Lists projects.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The projects.</returns>
    public Task<IReadOnlyList<Project>> ListAsync(CancellationToken cancellationToken) => _projects.ListAsync(cancellationToken);

    /// <summary>Counts items by state, votes used and documents.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The progress.</returns>
    public async Task<ProjectProgress> ProgressAsync(string projectId, CancellationToken cancellationToken)
    {
        var project = await GetAsync(projectId, cancellationToken).ConfigureAwait(false);
        var counts = await _items.CountAsync(projectId, cancellationToken).ConfigureAwait(false);
        var documents = await _documents.ListAsync(projectId, cancellationToken).ConfigureAwait(false);
        var byState = Enum.GetValues<ItemState>().ToDictionary(s => s, s => counts.ByState.GetValueOrDefault(s));
        return new ProjectProgress(
            projectId,
            byState.Values.Sum(),
            byState,
            byState[ItemState.AutoAccepted] + byState[ItemState.Decided],
            counts.CrowdVotes,
            counts.MachineVotes,
            project.Routing.VoteBudget,
            project.Routing.VoteBudget is { } budget ? Math.Max(0, budget - counts.CrowdVotes) : null,
            documents.Count(d => d.Status == DocumentStatus.Ingested),
            documents.Count(d => d.Status == DocumentStatus.Quarantined));
    }
}
