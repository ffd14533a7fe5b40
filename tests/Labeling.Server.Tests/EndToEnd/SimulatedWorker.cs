using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Labeling.Application.Ingestion;

namespace Labeling.Server.Tests.EndToEnd;

/// <summary>
/// A crowd worker over HTTP: takes tasks, answers with the corpus's class (wrong with probability
/// 1 − accuracy, "unsure" now and then, seeded), and retries through server restarts with the same
/// idempotency key, as a careful client would.
/// </summary>
public sealed class SimulatedWorker
{
    private readonly HttpClient _http;
    private readonly IReadOnlyDictionary<string, string> _truth;
    private readonly double _accuracy;
    private readonly Random _random;
    private readonly Func<Task<bool>> _poolEmpty;

    public SimulatedWorker(Uri server, string token, IReadOnlyDictionary<string, string> truth, double accuracy, int seed, Func<Task<bool>> poolEmpty)
    {
        _http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(10) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _truth = truth;
        _accuracy = accuracy;
        _random = new Random(seed);
        _poolEmpty = poolEmpty;
    }

    /// <summary>Idempotency keys of votes the server confirmed (each once).</summary>
    public HashSet<string> Confirmed { get; } = [];

    /// <summary>Requests that failed because the server was down and were retried.</summary>
    public int Retries { get; private set; }

    public async Task RunAsync(string projectId, Action onVote, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var response = await RetryAsync(() => _http.GetAsync($"/api/projects/{projectId}/tasks/next", cancellationToken), cancellationToken);
            if (response.StatusCode == HttpStatusCode.NoContent)
            {
                if (await _poolEmpty())
                {
                    return;
                }

                await Task.Delay(50, cancellationToken);
                continue;
            }

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var task = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
            var text = task["text"]!.GetValue<string>();
            Assert.True(_truth.TryGetValue(ContentHash.OfText(text), out var truth), $"The server served a text that is not in the corpus: {text}");
            var body = Answer(truth!);
            var key = $"{task["leaseId"]!.GetValue<string>()}:{_random.Next()}";
            var vote = await RetryAsync(
                () =>
                {
                    var request = new HttpRequestMessage(HttpMethod.Post, $"/api/tasks/{task["leaseId"]!.GetValue<string>()}/votes") { Content = JsonContent.Create(body) };
                    request.Headers.Add("Idempotency-Key", key);
                    return _http.SendAsync(request, cancellationToken);
                },
                cancellationToken);
            var answer = await vote.Content.ReadAsStringAsync(cancellationToken);
            Assert.True(vote.StatusCode == HttpStatusCode.OK, $"Vote failed: {(int)vote.StatusCode} {answer}");
            Assert.True(Confirmed.Add(task["leaseId"]!.GetValue<string>()), "A lease was served again after its vote was confirmed.");
            onVote();
        }
    }

    private object Answer(string truth)
    {
        if (_random.NextDouble() < 0.03)
        {
            return new { unsure = true };
        }

        var correct = _random.NextDouble() < _accuracy;
        return new { label = correct ? truth : truth == "spam" ? "ham" : "spam" };
    }

    private async Task<HttpResponseMessage> RetryAsync(Func<Task<HttpResponseMessage>> send, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            try
            {
                return await send();
            }
            catch (Exception ex) when ((ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested)) && DateTime.UtcNow < deadline)
            {
                // The server is down (killed on purpose) or restarting: try the same request again.
                Retries++;
                await Task.Delay(100, cancellationToken);
            }
        }
    }
}
