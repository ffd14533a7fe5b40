using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Labeling.Application.Ingestion;

namespace Labeling.Functions.Tests.EndToEnd;

/// <summary>
/// A crowd worker over the Functions API: takes tasks, answers with the corpus's class (wrong with
/// probability 1 − accuracy, "unsure" now and then, seeded), with an idempotency key per vote.
/// </summary>
public sealed class SimulatedWorker(HttpClient http, IReadOnlyDictionary<string, string> truth, double accuracy, int seed, Func<Task<bool>> poolEmpty)
{
    private readonly Random _random = new(seed);

    /// <summary>Idempotency keys of votes the API confirmed (each once).</summary>
    public HashSet<string> Confirmed { get; } = [];

    public async Task RunAsync(string projectId, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var response = await http.GetAsync($"/api/projects/{projectId}/tasks/next", cancellationToken);
            if (response.StatusCode == HttpStatusCode.NoContent)
            {
                if (await poolEmpty())
                {
                    return;
                }

                await Task.Delay(50, cancellationToken);
                continue;
            }

            Assert.True(response.StatusCode == HttpStatusCode.OK, $"tasks/next: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
            var task = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
            var text = task["text"]!.GetValue<string>();
            Assert.True(truth.TryGetValue(ContentHash.OfText(text), out var label), $"The API served a text that is not in the corpus: {text}");
            var lease = task["leaseId"]!.GetValue<string>();
            var key = $"{lease}:{_random.Next()}";
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/tasks/{lease}/votes") { Content = JsonContent.Create(Answer(label!)) };
            request.Headers.Add("Idempotency-Key", key);
            var vote = await http.SendAsync(request, cancellationToken);
            Assert.True(vote.StatusCode == HttpStatusCode.OK, $"Vote failed: {(int)vote.StatusCode} {await vote.Content.ReadAsStringAsync(cancellationToken)}");
            Assert.True(Confirmed.Add(key));
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
}
