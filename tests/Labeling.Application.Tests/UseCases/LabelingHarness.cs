using System.Text;
using System.Text.Json.Nodes;
using Labeling.Adapters.Local;
using Labeling.Adapters.Local.Inbox;
using Labeling.Adapters.Local.Sqlite;
using Labeling.Adapters.Local.Work;
using Labeling.Application;
using Labeling.Application.Documents;
using Labeling.Application.Items;
using Labeling.Application.Ports;
using Labeling.Application.Projects;
using Labeling.Application.Truth;
using Labeling.Application.WeakLabeling;
using Labeling.Domain.Items;
using Labeling.Domain.Labelers;
using Labeling.Domain.Projects;
using Labeling.Domain.Routing;
using Labeling.Domain.Rules;
using Labeling.Domain.TruthInference;
using Labeling.Domain.Votes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Labeling.Application.Tests.UseCases;

/// <summary>The application's use cases wired to the real SQLite adapters in a temp folder; no host, no background services.</summary>
public sealed class LabelingHarness : IDisposable
{
    private readonly ServiceProvider _services;

    public LabelingHarness(string? dataDirectory = null, FakeTimeProvider? time = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        DataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "labeling-app-tests", Guid.NewGuid().ToString("N"));
        Time = time ?? new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = DataDirectory,
            ["Labeling:CreateDemoProject"] = "false",
        }).AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(Time);
        services.AddLabelingApplication(configuration);
        services.AddLocalAdapters(configuration);
        _services = services.BuildServiceProvider();
    }

    public string DataDirectory { get; }

    public FakeTimeProvider Time { get; }

    public T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();

    /// <summary>A re-fit over the harness's stores with its own options and, if given, its own report store.</summary>
    public ReliabilityRefit Refit(ReliabilityRefitOptions options, IReliabilityRefitStore? store = null) => new(
        Get<IProjectStore>(), Get<ILabelerStore>(), Get<IItemStore>(), Get<ILeaseStore>(), store ?? Get<IReliabilityRefitStore>(),
        Get<WeakLabeler>(), Get<ProjectModels>(), Time, Options.Create(options), Get<IOptions<LabelingOptions>>(), NullLogger<ReliabilityRefit>.Instance,
        Get<Labeling.Application.Crowd.SpentBudgetSweep>());

    public static Project SpamProject(RoutingSettings? routing = null) => new(
        "spam",
        "Spam",
        new LabelSchema(TaskKind.SingleLabel, [new("spam", "promotion"), new("ham", "real")], "Is it spam?"),
        [
            new LabelRule { Id = "subscribe", Label = "spam", Keywords = ["subscribe"] },
            new LabelRule { Id = "link", Label = "spam", Pattern = "https?://" },
            new LabelRule { Id = "check", Label = "spam", Keywords = ["check out"] },
        ],
        routing ?? new RoutingSettings(),
        null,
        DateTimeOffset.UnixEpoch);

    /// <summary>A spam/ham project without rules, so only the votes a test commits inform the model.</summary>
    public static Project RuleFreeProject(string id, RoutingSettings routing) => new(
        id,
        id,
        new LabelSchema(TaskKind.SingleLabel, [new("spam", "promotion"), new("ham", "real")], "Is it spam?"),
        [],
        routing,
        null,
        DateTimeOffset.UnixEpoch);

    /// <summary>
    /// Commits an item's state with the votes behind it, as the vote path writes them: the item, its truth-model evidence
    /// (one vote per worker, <paramref name="votes"/> the label index each gave, and <paramref name="posterior"/>), the
    /// stored votes, the workers' statistics rows, and its <c>label.ready</c> when it has a label.
    /// </summary>
    public Task CommitVotedAsync(Project project, Item next, IReadOnlyList<string> workers, IReadOnlyList<int> votes, double[] posterior)
    {
        var now = Time.GetUtcNow();
        var labels = project.Schema.Names;
        var evidence = new ItemEvidenceState(next.Id, project.Capability, null, workers.Select((w, i) => new VoteEvidenceState(w, votes[i], now)).ToArray(), posterior);
        return Get<IItemStore>().CommitAsync(new ItemCommit(project.Id)
        {
            Items = [new ItemWrite(next, evidence)],
            Votes = workers.Select((w, i) => new Vote(project.Id, next.Id, w, LabelerKind.Worker, labels[votes[i]], now, null)).ToArray(),
            Statistics = workers.Select(w => new LabelerStatisticsState(w, project.Capability, new double[labels.Count * labels.Count], now)).ToArray(),
            Events = next.HasLabel ? [ItemTransitions.LabelReady(next, project, "/labeling/projects", revises: null)] : [],
        }, CancellationToken.None);
    }

    public async Task<Project> CreateProjectAsync(Project project)
    {
        Assert.True(await Get<Ports.IProjectStore>().TryCreateAsync(project, CancellationToken.None));
        return project;
    }

    public Task<DocumentIngestResult> IngestAsync(string projectId, string fileName, string content) =>
        IngestAsync(projectId, fileName, Encoding.UTF8.GetBytes(content));

    public async Task<DocumentIngestResult> IngestAsync(string projectId, string fileName, byte[] content)
    {
        var source = Get<FolderDocumentSource>();
        using var stream = new MemoryStream(content);
        var stored = await source.SaveUploadAsync(projectId, fileName, stream, CancellationToken.None);
        return (await Get<DocumentIngestion>().IngestAsync(stored, CancellationToken.None))!;
    }

    /// <summary>Handles every queued message (weak labeling) until the queue is empty.</summary>
    public async Task DrainQueueAsync()
    {
        while (await PumpOnceAsync() > 0)
        {
        }
    }

    /// <summary>Handles one round of queued messages (<c>WorkQueue:BatchSize</c>).</summary>
    /// <returns>How many were handled.</returns>
    public Task<int> PumpOnceAsync() => ActivatorUtilities.CreateInstance<WorkQueuePump>(_services).PumpOnceAsync(CancellationToken.None);

    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = await Get<SqliteDatabase>().OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The outbox event with <paramref name="id"/>, parsed; fails the test when there is none.</summary>
    public async Task<JsonNode> OutboxEventAsync(string id)
    {
        await using var connection = await Get<SqliteDatabase>().OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT payload FROM outbox WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        var payload = await command.ExecuteScalarAsync() as string;
        Assert.NotNull(payload);
        return JsonNode.Parse(payload)!;
    }

    public void Dispose() => _services.Dispose();
}
