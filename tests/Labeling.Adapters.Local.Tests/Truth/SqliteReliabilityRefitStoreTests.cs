using System.Text.Json;
using Labeling.Adapters.Local.Sqlite;
using Labeling.Adapters.Local.Truth;
using Labeling.Application;
using Labeling.Application.Truth;
using Labeling.Domain.Labelers;
using Labeling.Domain.TruthInference;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Labeling.Adapters.Local.Tests.Truth;

/// <summary>The local re-fit store: statistics replaced whole in SQLite, drift reports as JSON files in the data folder.</summary>
public sealed class SqliteReliabilityRefitStoreTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Directory.CreateTempSubdirectory("labeling-refit-").FullName;
    private readonly SqliteDatabase _database;
    private readonly SqliteReliabilityRefitStore _store;

    public SqliteReliabilityRefitStoreTests()
    {
        _database = new SqliteDatabase(Path.Combine(_folder, "labeling.db"));
        _store = new SqliteReliabilityRefitStore(_database, Options.Create(new LocalStorageOptions { DataDirectory = _folder }));
    }

    public void Dispose()
    {
        _database.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task ReplaceStatisticsAsync_ExistingAndNewLabelers_StoresTheWholeValueForEach()
    {
        await _database.InitializeAsync(CancellationToken.None);
        var ann = LabelerIds.Worker("ann");
        var rule = LabelerIds.Rule("link");
        await _store.ReplaceStatisticsAsync("p", [new LabelerStatisticsState(ann, "", [1, 2, 3, 4], At)], new ClassCountsState("", [0, 0]), CancellationToken.None);

        await _store.ReplaceStatisticsAsync("p", [new LabelerStatisticsState(ann, "", [5, 0, 0, 5], At), new LabelerStatisticsState(rule, "", [2, 0, 1, 0], At)], new ClassCountsState("", [0, 0]), CancellationToken.None);

        var state = await new SqliteLabelerStore(_database).LoadTruthStateAsync("p", ["spam", "ham"], CancellationToken.None);
        Assert.Equal([5.0, 0, 0, 5], state.Labelers.Single(l => l.Labeler == ann).Counts);
        Assert.Equal([2.0, 0, 1, 0], state.Labelers.Single(l => l.Labeler == rule).Counts);
        Assert.Empty((await new SqliteLabelerStore(_database).LoadTruthStateAsync("other", ["spam", "ham"], CancellationToken.None)).Labelers);
    }

    [Fact]
    public async Task ReplaceStatisticsAsync_ClassCounts_TheLastOfEachCapabilityComesWithTheLoad()
    {
        await _database.InitializeAsync(CancellationToken.None);
        var ann = LabelerIds.Worker("ann");
        var labelers = new SqliteLabelerStore(_database);
        Assert.Null((await labelers.LoadTruthStateAsync("p", ["spam", "ham"], CancellationToken.None)).ClassCounts);

        await _store.ReplaceStatisticsAsync("p", [new LabelerStatisticsState(ann, "", [1, 2, 3, 4], At)], new ClassCountsState("", [3.5, -3.5]), CancellationToken.None);
        await _store.ReplaceStatisticsAsync("p", [new LabelerStatisticsState(ann, "other", [1, 2, 3, 4], At)], new ClassCountsState("other", [1, -1]), CancellationToken.None);
        await _store.ReplaceStatisticsAsync("p", [new LabelerStatisticsState(ann, "", [1, 2, 3, 4], At)], new ClassCountsState("", [-2, 2]), CancellationToken.None);

        var state = await labelers.LoadTruthStateAsync("p", ["spam", "ham"], CancellationToken.None);
        Assert.Equal([-2.0, 2.0], state.ClassCounts!.Single(c => c.Capability == "").Offset);
        Assert.Equal([1.0, -1.0], state.ClassCounts!.Single(c => c.Capability == "other").Offset);
        Assert.Null((await labelers.LoadTruthStateAsync("other", ["spam", "ham"], CancellationToken.None)).ClassCounts);
    }

    [Fact]
    public async Task SaveDriftReportAsync_Report_WritesItAsJsonUnderReportsDriftProject()
    {
        var report = new DriftReport("p", "default", At, At.AddDays(-30), 3, 9, [new LabelerDrift("worker:ann", 3, 0.8, 0.9, 0.1)], [], 0,
            [new RevisedLabel("itm_1", "spam", "ham", 0.97, 3, 4)], 1, 0, 0);

        var path = await _store.SaveDriftReportAsync(report, CancellationToken.None);

        Assert.Equal(Path.Combine(_folder, "reports", "drift", "p", "20261128T120000Z.json"), path);
        var read = JsonSerializer.Deserialize<DriftReport>(await File.ReadAllTextAsync(path), LabelingJson.Options)!;
        Assert.Equal(1, read.RevisedCount);
        Assert.Equal("ham", Assert.Single(read.Revisions).Label);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));
    }

    [Fact]
    public async Task SaveDriftReportAsync_ReportsOfTheSameSecond_AreAllKept()
    {
        // A manual re-fit beside the scheduled one: the second report used to replace the first.
        var report = new DriftReport("p", "default", At, At.AddDays(-30), 3, 9, [], [], 0, [], 0, 0, 0);

        var paths = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _store.SaveDriftReportAsync(report, CancellationToken.None)));

        Assert.Equal(4, paths.Distinct().Count());
        Assert.Equal(
            ["20261128T120000Z-2.json", "20261128T120000Z-3.json", "20261128T120000Z-4.json", "20261128T120000Z.json"],
            Directory.GetFiles(Path.GetDirectoryName(paths[0])!).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
