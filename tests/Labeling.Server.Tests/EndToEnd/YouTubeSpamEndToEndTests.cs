using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Labeling.Adapters.Local.Auth;
using Labeling.Server.Tests.Support;
using Labeling.TestSupport;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Labeling.Server.Tests.EndToEnd;

/// <summary>
/// The whole job on one machine, over HTTP on real SQLite: the five YouTube spam CSVs go in, simulated
/// workers label until the pool is empty, the server is killed mid-run and restarted, and at the end
/// nothing is lost or duplicated.
/// </summary>
public sealed class YouTubeSpamEndToEndTests
{
    private const string Project = "demo";
    private readonly ITestOutputHelper _log;

    public YouTubeSpamEndToEndTests(ITestOutputHelper log) => _log = log;

    [Fact]
    public async Task Corpus_CrowdLabelsWithServerKilledMidRun_EveryCommentEndsDecidedOrInReviewWithNothingLostOrRepeated()
    {
        var clock = Stopwatch.StartNew();
        var truth = await YouTubeSpamTruth.LoadAsync();
        using var data = new TempFolder();
        var port = ServerProcess.FreePort();
        var server = new ServerProcess(data.Path, port);
        await server.StartAsync();
        var tokens = Tokens(data.Path);
        using var admin = Client(server.BaseAddress, tokens.Mint("admin", [LabelingRolesAdmin]));

        // Ingest: the five files, each once, plus one of them again (dedup).
        var created = 0;
        foreach (var file in RepositoryPaths.CorpusFiles())
        {
            var document = await (await admin.PostAsync($"/api/projects/{Project}/documents", Api.File(Path.GetFileName(file), await File.ReadAllBytesAsync(file)))).ExpectAsync(HttpStatusCode.Created);
            created += document["itemCount"]!.GetValue<int>();
        }

        var again = RepositoryPaths.CorpusFiles()[0];
        await (await admin.PostAsync($"/api/projects/{Project}/documents", Api.File("copy.csv", await File.ReadAllBytesAsync(again)))).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(truth.Classes.Count, created);
        await Api.WaitForWeakLabelingAsync(admin, Project, created, TimeSpan.FromSeconds(60));
        _log.WriteLine($"{truth.Rows} comments, {created} distinct items ingested and weak-labeled after {clock.Elapsed.TotalSeconds:0.0}s");

        // Crowd: six workers of mixed skill; the server is killed once a third of the items are decided.
        async Task<bool> PoolEmpty()
        {
            while (true)
            {
                try
                {
                    var progress = await (await admin.GetAsync($"/api/projects/{Project}/progress")).ExpectAsync(HttpStatusCode.OK);
                    return progress["byState"]!["collecting"]!.GetValue<int>() + progress["byState"]!["weak-labeling"]!.GetValue<int>() == 0;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(100);
                }
            }
        }

        double[] skills = [0.95, 0.92, 0.9, 0.88, 0.85, 0.8];
        var workers = skills.Select((skill, i) => new SimulatedWorker(server.BaseAddress, tokens.Mint($"worker-{i}", [LabelingRolesLabeler]), truth.Classes, skill, 1000 + i, PoolEmpty)).ToArray();
        var votes = 0;
        var killAt = created / 2;
        var killed = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnVote()
        {
            if (Interlocked.Increment(ref votes) == killAt)
            {
                killed.TrySetResult(votes);
            }
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var crowd = Task.WhenAll(workers.Select(w => Task.Run(() => w.RunAsync(Project, OnVote, timeout.Token))));
        var restarted = Task.Run(async () =>
        {
            var at = await killed.Task;
            server.Kill();
            _log.WriteLine($"Killed the server after {at} votes at {clock.Elapsed.TotalSeconds:0.0}s");
            await Task.Delay(300);
            server = new ServerProcess(data.Path, port);
            await server.StartAsync();
            _log.WriteLine($"Restarted at {clock.Elapsed.TotalSeconds:0.0}s");
        });
        await crowd;
        await restarted;
        _log.WriteLine($"Pool empty after {votes} confirmed votes at {clock.Elapsed.TotalSeconds:0.0}s; {workers.Sum(w => w.Retries)} requests retried through the restart");
        Assert.True(workers.Sum(w => w.Retries) > 0, "No request hit the killed server; the restart was not exercised.");

        // Let the dispatcher drain, then stop the server the hard way again before counting.
        var jsonl = Path.Combine(data.Path, "events", "label-ready.jsonl");
        await WaitForAsync(() => EventIds(jsonl).Count == Scalar(data.Path, "SELECT COUNT(*) FROM outbox"), TimeSpan.FromSeconds(20));
        var export = await admin.GetStringAsync($"/api/projects/{Project}/export?format=jsonl");
        server.Kill();
        server.Dispose();

        await using var db = new SqliteConnection($"Data Source={Path.Combine(data.Path, "labeling.db")};Pooling=false");
        await db.OpenAsync();
        var items = await Rows(db, "SELECT id, state, content_hash, body FROM items WHERE project_id = 'demo'");
        Assert.Equal(created, items.Count);
        Assert.Equal(created, items.Select(r => r[2]).Distinct().Count());
        Assert.All(items, r => Assert.Contains(r[1], new[] { "decided", "needs-review", "auto-accepted" }));
        var labeled = items.Where(r => r[1] is "decided" or "auto-accepted").Select(r => r[0]).ToHashSet();

        // Exactly one label.ready per decided item, and none for the others.
        var outbox = await Rows(db, "SELECT item_id, id FROM outbox WHERE project_id = 'demo'");
        Assert.Equal(labeled.Count, outbox.Count);
        Assert.True(labeled.SetEquals(outbox.Select(r => r[0])));
        Assert.True(EventIds(jsonl).SetEquals(outbox.Select(r => r[1])), "The JSONL file does not carry exactly the outbox's events.");
        Assert.Equal(labeled.Count, export.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        // Every confirmed vote is stored once; nothing unconfirmed was stored; counters agree with the votes.
        var confirmed = workers.Sum(w => w.Confirmed.Count);
        Assert.Equal(confirmed, workers.SelectMany(w => w.Confirmed).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(confirmed, Scalar(data.Path, "SELECT COUNT(*) FROM votes WHERE kind = 'worker'"));
        Assert.Equal(0, Scalar(data.Path, "SELECT COUNT(*) FROM items i WHERE crowd_votes <> (SELECT COUNT(*) FROM votes v WHERE v.project_id = i.project_id AND v.item_id = i.id AND v.kind = 'worker')"));
        Assert.Equal(confirmed, Scalar(data.Path, "SELECT COUNT(*) FROM leases WHERE completed_at IS NOT NULL"));
        Assert.Equal(0, Scalar(data.Path, "SELECT COUNT(*) FROM queue"));

        // The labels mean something: decided items mostly agree with the corpus.
        var right = items.Where(r => labeled.Contains(r[0]))
            .Count(r => JsonNode.Parse(r[3])!["label"]!.GetValue<string>() == truth.Classes[r[2]]);
        var accuracy = (double)right / labeled.Count;
        foreach (var g in items.Where(r => labeled.Contains(r[0])).GroupBy(r => (Truth: truth.Classes[r[2]], Label: JsonNode.Parse(r[3])!["label"]!.GetValue<string>(), By: JsonNode.Parse(r[3])!["decidedBy"]!.GetValue<string>(), Crowd: JsonNode.Parse(r[3])!["crowdVotes"]!.GetValue<int>(), Machine: JsonNode.Parse(r[3])!["machineVotes"]!.GetValue<int>())).OrderBy(g => g.Key.ToString()))
        {
            _log.WriteLine($"truth {g.Key.Truth} → {g.Key.Label} by {g.Key.By} crowd {g.Key.Crowd} machine {g.Key.Machine}: {g.Count()}");
        }

        _log.WriteLine($"{labeled.Count} labeled ({items.Count(r => r[1] == "needs-review")} in review), accuracy {accuracy:P1}, {confirmed} crowd votes, {clock.Elapsed.TotalSeconds:0.0}s");
        Assert.True(accuracy > 0.85, $"Decided labels agree with the corpus only {accuracy:P1} of the time.");
        Assert.True(labeled.Count > created * 0.8, $"Only {labeled.Count} of {created} items were decided.");
    }

    private const string LabelingRolesAdmin = "Admin";
    private const string LabelingRolesLabeler = "Labeler";

    private static LocalTokenIssuer Tokens(string data) =>
        new(LocalSigningKey.LoadOrCreate(Path.Combine(data, "keys", "signing-key.pem")), new LocalAuthOptions(), TimeProvider.System);

    private static HttpClient Client(Uri server, string token)
    {
        var client = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static HashSet<string> EventIds(string jsonl) =>
        File.Exists(jsonl)
            ? File.ReadLines(jsonl).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!["id"]!.GetValue<string>()).ToHashSet()
            : [];

    private static long Scalar(string data, string sql)
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(data, "labeling.db")};Pooling=false");
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    private static async Task<List<string[]>> Rows(SqliteConnection db, string sql)
    {
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string[]>();
        while (await reader.ReadAsync())
        {
            rows.Add(Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetValue(i).ToString()!).ToArray());
        }

        return rows;
    }

    private static Task WaitForAsync(Func<bool> condition, TimeSpan timeout) =>
        Eventually.HoldsAsync(condition, timeout, "Timed out waiting for the event dispatcher to drain the outbox.");
}
