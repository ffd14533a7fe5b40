using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Labeling.Application.Ingestion;

namespace Labeling.Functions.Tests.EndToEnd;

/// <summary>
/// A crowd worker over the Functions API: takes tasks, answers with the corpus's class (wrong with
/// probability 1 − accuracy, "unsure" now and then, seeded), with an idempotency key per vote, and
/// retries through a host restart (503 from the stopping instance) with the same key, as a careful client would.
/// </summary>
/// <param name="http">The API client of the instance running now (changes when the host restarts).</param>
public sealed class SimulatedWorker(Func<HttpClient> http, IReadOnlyDictionary<string, string> truth, double accuracy, int seed, Func<Task<bool>> poolEmpty)
{
    private readonly Random _random = new(seed);

    /// <summary>Idempotency keys of votes the API confirmed (each once).</summary>
    public HashSet<string> Confirmed { get; } = [];

    /// <summary>Requests turned away by a stopping instance and sent again.</summary>
    public int Retries { get; private set; }

    /// <summary>Votes refused because their lease had run out (409), each followed by a new task.</summary>
    public int Expired { get; private set; }

    public async Task RunAsync(string projectId, Action onVote, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, $"/api/projects/{projectId}/tasks/next"), cancellationToken);
            if (response.StatusCode == HttpStatusCode.NoContent)
            {
                if (await poolEmpty())
                {
                    return;
                }

                await Task.Delay(100, cancellationToken);
                continue;
            }

            Assert.True(response.StatusCode == HttpStatusCode.OK, $"tasks/next: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
            var task = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
            var text = task["text"]!.GetValue<string>();
            Assert.True(truth.TryGetValue(ContentHash.OfText(text), out var label), $"The API served a text that is not in the corpus: {text}");
            var lease = task["leaseId"]!.GetValue<string>();
            var key = $"{lease}:{_random.Next()}";
            var answer = Answer(label!);
            var vote = await SendAsync(
                () =>
                {
                    var request = new HttpRequestMessage(HttpMethod.Post, $"/api/tasks/{lease}/votes") { Content = JsonContent.Create(answer) };
                    request.Headers.Add("Idempotency-Key", key);
                    return request;
                },
                cancellationToken);
            if (vote.StatusCode == HttpStatusCode.Conflict && (await vote.Content.ReadAsStringAsync(cancellationToken)).Contains("went back to the pool", StringComparison.Ordinal))
            {
                // The lease ran out before the vote arrived (20 s here; a restart, or a loaded machine, can take that long):
                // the item is back in the pool and the API says so. A worker's client takes a new task, as README tells it to.
                Expired++;
                continue;
            }

            Assert.True(vote.StatusCode == HttpStatusCode.OK, $"Vote failed: {(int)vote.StatusCode} {await vote.Content.ReadAsStringAsync(cancellationToken)}");
            Assert.True(Confirmed.Add(lease), "A lease was served again after its vote was confirmed.");
            onVote();
        }
    }

    private object Answer(string label)
    {
        if (_random.NextDouble() < 0.03)
        {
            return new { unsure = true };
        }

        var correct = _random.NextDouble() < accuracy;
        return new { label = correct ? label : label == "spam" ? "ham" : "spam" };
    }

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> request, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            HttpResponseMessage response;
            try
            {
                response = await http().SendAsync(request(), cancellationToken);
            }
            catch (ObjectDisposedException) when (DateTime.UtcNow < deadline)
            {
                // Picked the client of the instance that was just stopped.
                Retries++;
                await Task.Delay(100, cancellationToken);
                continue;
            }

            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || DateTime.UtcNow >= deadline)
            {
                return response;
            }

            // The instance is stopping: send the same request to the next one.
            Retries++;
            await Task.Delay(100, cancellationToken);
        }
    }
}
