using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Domain.Documents;
using Labeling.Domain.Items;
using Labeling.Domain.Projects;
using Labeling.Domain.Routing;
using Labeling.Domain.Rules;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Labeling.Application.Projects;

/// <summary>Creates and reads projects and their progress.</summary>
public sealed partial class ProjectService
{
    private readonly IProjectStore _projects;
    private readonly IItemStore _items;
    private readonly IDocumentStore _documents;
    private readonly TimeProvider _time;
    private readonly ILogger<ProjectService> _logger;
    private readonly Crowd.SpentBudgetSweep? _budget;

    /// <summary>Creates the service.</summary>
    /// <param name="projects">Where projects are stored.</param>
    /// <param name="items">Where items are counted.</param>
    /// <param name="documents">Where documents are listed.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Where a project's changes are logged.</param>
    /// <param name="budget">Sends the items a spent budget sent to review back to the pool when a change raises the budget (none: they stay).</param>
    public ProjectService(
        IProjectStore projects, IItemStore items, IDocumentStore documents, TimeProvider time, ILogger<ProjectService>? logger = null, Crowd.SpentBudgetSweep? budget = null)
    {
        _projects = projects;
        _items = items;
        _documents = documents;
        _time = time;
        _logger = logger ?? NullLogger<ProjectService>.Instance;
        _budget = budget;
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
            .. (request.Labels ?? []).Select((l, i) => l is null ? string.Create(CultureInfo.InvariantCulture, $"labels[{i}] is null; give each label as an object with a name.") : null).OfType<string>(),
            .. (request.Rules ?? []).Select((r, i) => r is null ? string.Create(CultureInfo.InvariantCulture, $"rules[{i}] is null; give each rule as an object with an id, a label, and keywords or a pattern.") : null).OfType<string>(),
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
            // Taken but not readable: the id of a deleted project. Its items' ids, and so the ids of its label.ready events,
            // are made from it: a new project under it would repeat them, and consumers deduplicating on the event id would
            // drop the new labels.
            if (await _projects.GetCurrentAsync(project.Id, cancellationToken).ConfigureAwait(false) is null)
            {
                throw new ConflictException($"Project '{project.Id}' was deleted, and the id of a deleted project is not used again (its items and label.ready events were named after it). Choose another id.");
            }

            throw new ConflictException($"A project with id '{project.Id}' already exists. Choose another id.");
        }

        return project;
    }

    /// <summary>Writes made from a version another writer replaced meanwhile, before giving up (each reads the project again).</summary>
    private const int UpdateAttempts = 5;

    /// <summary>
    /// Changes a project: its name, instructions, label descriptions, routing or text column (<see cref="UpdateProjectRequest"/>).
    /// The change is made to the project as stored and written only over that version; the version goes up by one. Each
    /// item's next step (a vote, a task request, a re-fit) runs under the new version; nothing already decided is re-opened
    /// by it. A change that raises or removes a spent vote budget sends the items the budget sent to review back to the crowd
    /// pool (<see cref="Crowd.SpentBudgetSweep.ReopenAsync"/>).
    /// </summary>
    /// <param name="projectId">The project.</param>
    /// <param name="request">What to change.</param>
    /// <param name="acceptedVersions">The versions the change may be made to (If-Match: the version the caller read), or null to
    /// change whatever is current; empty when no version can match (a weak entity tag).</param>
    /// <param name="caller">Who asks, for the log.</param>
    /// <param name="cancellationToken">Cancels the reads and the write.</param>
    /// <returns>The project as it now is (unchanged, and its version too, when the request changes nothing).</returns>
    /// <exception cref="NotFoundException">No such project.</exception>
    /// <exception cref="InvalidRequestException">The change is not allowed or not valid; the errors say what to change.</exception>
    /// <exception cref="PreconditionFailedException">The project is at none of <paramref name="acceptedVersions"/>.</exception>
    public async Task<Project> UpdateAsync(
        string projectId, UpdateProjectRequest request, IReadOnlyCollection<int>? acceptedVersions, string caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        for (var attempt = 1; ; attempt++)
        {
            var current = await _projects.GetCurrentAsync(projectId, cancellationToken).ConfigureAwait(false)
                ?? throw NotFoundException.Project(projectId);
            if (acceptedVersions is not null && !acceptedVersions.Contains(current.Version))
            {
                var named = acceptedVersions.Count == 0 ? "no version (a weak entity tag never matches If-Match)" : string.Join(" or ", acceptedVersions.Order());
                throw new PreconditionFailedException(
                    string.Create(CultureInfo.InvariantCulture, $"Project '{projectId}' is at version {current.Version}, not {named} (If-Match). Read it again (GET /api/projects/{projectId} gives its ETag) and make the change to what it is now."))
                {
                    Extensions = { ["version"] = current.Version },
                };
            }

            var next = Changed(current, request);
            var changed = Differences(current, next);
            if (changed.Count == 0)
            {
                await ReopenIfNamedAsync().ConfigureAwait(false);
                return current;
            }

            if (await _projects.TryReplaceAsync(next, cancellationToken).ConfigureAwait(false))
            {
                LogProjectChanged(_logger, projectId, next.Version, caller, string.Join(", ", changed));
                await ReopenIfNamedAsync().ConfigureAwait(false);
                return next;
            }

            if (attempt == UpdateAttempts)
            {
                throw new ConcurrencyConflictException($"Project '{projectId}' kept changing under {UpdateAttempts} attempts to change it; try again.");
            }
        }

        // After the change is stored, and also when it changes nothing: a request that names the budget and failed after
        // storing it (the server stopped, a store error) sends the items back when it is sent again.
        async Task ReopenIfNamedAsync()
        {
            if (_budget is not null && request.Routing.ValueKind == JsonValueKind.Object
                && request.Routing.EnumerateObject().Any(setting => string.Equals(setting.Name, "voteBudget", StringComparison.OrdinalIgnoreCase)))
            {
                // Not cut short when the caller goes away: the change is stored, and the items should follow it.
                await _budget.ReopenAsync(projectId, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The project with the request's changes applied and its version one higher.</summary>
    private static Project Changed(Project current, UpdateProjectRequest request)
    {
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(message);
        }

        if (request.Id.ValueKind != JsonValueKind.Undefined
            && !(request.Id.ValueKind == JsonValueKind.String && string.Equals(request.Id.GetString(), current.Id, StringComparison.Ordinal)))
        {
            Add("id", "A project's id cannot change: it names the project's URLs, folders and events. Leave id out, or create a new project.");
        }

        if (request.TaskKind.ValueKind != JsonValueKind.Undefined)
        {
            Add("taskKind", "A project's task kind cannot change: its items were labeled as that kind. Leave taskKind out, or create a new project.");
        }

        if (request.Rules.ValueKind != JsonValueKind.Undefined)
        {
            Add("rules", "A project's rules cannot change: each rule is a labeler whose reliability the truth model learned from the votes it cast, and a rule that matched differently would keep that reliability. Leave rules out, or create a new project with the rules you want.");
        }

        if (request.Schema.ValueKind != JsonValueKind.Undefined)
        {
            Add("schema", "A change gives instructions and labels at the top level of the body, as POST /api/projects takes them, not under schema: {\"instructions\":\"…\",\"labels\":[{\"name\":\"spam\",\"description\":\"…\"}]}.");
        }

        if (request.Version.ValueKind != JsonValueKind.Undefined)
        {
            Add("version", "The server sets the version. To change only the version you read, send it as the If-Match header (the ETag of GET), e.g. If-Match: \"3\".");
        }

        if (request.CreatedAt.ValueKind != JsonValueKind.Undefined)
        {
            Add("createdAt", "The server sets createdAt; leave it out.");
        }

        var labels = current.Schema.Labels.ToArray();
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (label, i) in (request.Labels ?? []).Select((l, i) => (l, i)))
        {
            var index = current.Schema.IndexOf(label?.Name);
            if (label is null)
            {
                Add("labels", string.Create(CultureInfo.InvariantCulture, $"labels[{i}] is null; give each as {{\"name\":\"…\",\"description\":\"…\"}}."));
            }
            else if (index < 0)
            {
                Add(string.Create(CultureInfo.InvariantCulture, $"labels[{i}].name"),
                    $"'{InvalidRequestException.Echo(label.Name)}' is not a label of the project ({string.Join(", ", current.Schema.Names)}). Labels cannot be added, removed or renamed (they are the truth model's classes); name a label to change its description.");
            }
            else if (!listed.Add(label.Name!))
            {
                Add(string.Create(CultureInfo.InvariantCulture, $"labels[{i}].name"), $"Label '{label.Name}' is listed twice; list each label once.");
            }
            else if (label.Description is { } description)
            {
                labels[index] = labels[index] with { Description = description };
            }
        }

        var routing = current.Routing;
        if (request.Routing.ValueKind == JsonValueKind.Object)
        {
            routing = MergedRouting(current.Routing, request.Routing, Add);
        }
        else if (request.Routing.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
        {
            Add("routing", "routing is an object of the settings to change, e.g. {\"voteBudget\":20000}.");
        }

        var next = current with
        {
            Name = request.Name ?? current.Name,
            Schema = current.Schema with { Labels = labels, Instructions = request.Instructions ?? current.Schema.Instructions },
            Routing = routing,
            TextColumn = request.TextColumn is null ? current.TextColumn : request.TextColumn.Length == 0 ? null : request.TextColumn,
            Version = current.Version + 1,
        };
        if (errors.Count == 0)
        {
            foreach (var error in next.Validate())
            {
                Add(FieldOf(error), error);
            }
        }

        return errors.Count == 0
            ? next
            : throw new InvalidRequestException(errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));
    }

    /// <summary>
    /// The routing settings with a merge patch applied: a setting given replaces the current one, a setting given as null
    /// goes back to its default, and a re-check target that followed the crowd target follows a new one.
    /// </summary>
    private static RoutingSettings MergedRouting(RoutingSettings current, JsonElement patch, Action<string, string> addError)
    {
        // Unknown names are reported up to this many, and the settings listed once: a body of 70,000 made-up names got a
        // 44 MB answer.
        const int MostUnknownReported = 20;
        var settings = LabelingJson.Options.GetTypeInfo(typeof(RoutingSettings)).Properties.Select(p => p.Name).ToArray();
        var merged = JsonSerializer.SerializeToNode(current, LabelingJson.Options)!.AsObject();
        var given = new HashSet<string>(StringComparer.Ordinal);
        var unknown = 0;
        foreach (var property in patch.EnumerateObject())
        {
            // Request bodies match property names regardless of case (as POST /api/projects does); the stored name is the API's.
            var name = settings.FirstOrDefault(s => string.Equals(s, property.Name, StringComparison.OrdinalIgnoreCase));
            if (name is null)
            {
                if (++unknown <= MostUnknownReported)
                {
                    addError($"routing.{InvalidRequestException.Echo(property.Name, 40)}", $"'{InvalidRequestException.Echo(property.Name, 40)}' is not a routing setting.");
                }

                continue;
            }

            if (!given.Add(name))
            {
                addError($"routing.{name}", $"routing.{name} is given twice; give it once.");
                continue;
            }

            if (property.Value.ValueKind == JsonValueKind.Null)
            {
                merged.Remove(name);
            }
            else
            {
                merged[name] = JsonNode.Parse(property.Value.GetRawText());
            }
        }

        if (unknown > 0)
        {
            addError("routing", (unknown > MostUnknownReported ? string.Create(CultureInfo.InvariantCulture, $"{unknown} names are not routing settings (the first {MostUnknownReported} are listed). ") : string.Empty)
                + $"The routing settings are {string.Join(", ", settings)}.");
        }

        const string CrowdTarget = "crowdTarget", RecheckTarget = "recheckTarget";
        if (given.Contains(CrowdTarget) && !given.Contains(RecheckTarget)
            && current.RecheckTarget == RoutingSettings.DefaultRecheckTarget(current.CrowdTarget))
        {
            merged.Remove(RecheckTarget);
        }

        try
        {
            return merged.Deserialize<RoutingSettings>(LabelingJson.Options) ?? current;
        }
        catch (JsonException ex)
        {
            var field = ex.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? $"routing.{path[2..]}" : "routing";
            addError(field, $"{field} has a value of the wrong type; routing settings are numbers or true/false, e.g. {{\"voteBudget\":20000}}.");
            return current;
        }
    }

    /// <summary>The fields in which two versions of a project differ, by their request names.</summary>
    private static List<string> Differences(Project current, Project next)
    {
        var changed = new List<string>();
        if (!string.Equals(current.Name, next.Name, StringComparison.Ordinal))
        {
            changed.Add($"name '{InvalidRequestException.Echo(current.Name, 60)}' → '{InvalidRequestException.Echo(next.Name, 60)}'");
        }

        if (!string.Equals(current.Schema.Instructions, next.Schema.Instructions, StringComparison.Ordinal))
        {
            changed.Add("instructions");
        }

        changed.AddRange(current.Schema.Labels.Zip(next.Schema.Labels)
            .Where(p => !string.Equals(p.First.Description, p.Second.Description, StringComparison.Ordinal))
            .Select(p => $"labels[{p.First.Name}].description"));
        var before = JsonSerializer.SerializeToNode(current.Routing, LabelingJson.Options)!.AsObject();
        var after = JsonSerializer.SerializeToNode(next.Routing, LabelingJson.Options)!.AsObject();
        changed.AddRange(before.Select(p => p.Key).Union(after.Select(p => p.Key), StringComparer.Ordinal)
            .Where(key => !JsonNode.DeepEquals(before[key], after[key]))
            .Select(key => $"routing.{key} {before[key]?.ToJsonString() ?? "unset"} → {after[key]?.ToJsonString() ?? "unset"}"));
        if (!string.Equals(current.TextColumn, next.TextColumn, StringComparison.Ordinal))
        {
            changed.Add($"textColumn '{InvalidRequestException.Echo(current.TextColumn, 60)}' → '{InvalidRequestException.Echo(next.TextColumn, 60)}'");
        }

        return changed;
    }

    [LoggerMessage(EventId = 4401, Level = LogLevel.Information, Message = "Project {ProjectId} changed to version {Version} by {Caller}: {Fields}")]
    private static partial void LogProjectChanged(ILogger logger, string projectId, int version, string caller, string fields);

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

    [System.Text.RegularExpressions.GeneratedRegex(@"^(routing\.[A-Za-z]+|labels\[\d+\]\.[A-Za-z]+|instructions|textColumn)\b", System.Text.RegularExpressions.RegexOptions.None, 1000)]
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
