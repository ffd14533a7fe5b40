using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Labeling.Server.Tests.Support;

/// <summary>Small HTTP helpers shared by the server tests.</summary>
public static class Api
{
    public static MultipartFormDataContent File(string fileName, byte[] content)
    {
        var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(content);
        part.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(part, "file", fileName);
        return form;
    }

    public static async Task<JsonNode> JsonAsync(this HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        return JsonNode.Parse(body) ?? throw new JsonException("Empty body.");
    }

    public static async Task<JsonNode> ExpectAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status} {status}, got {(int)response.StatusCode}: {body}");
        return body.Length == 0 ? new JsonObject() : JsonNode.Parse(body)!;
    }

    public static async Task<JsonNode> ExpectProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var problem = await response.ExpectAsync(status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)status, problem["status"]!.GetValue<int>());
        return problem;
    }

    public static Task<HttpResponseMessage> VoteAsync(this HttpClient client, string leaseId, object body, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/tasks/{leaseId}/votes") { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return client.SendAsync(request);
    }

    /// <summary>Waits until the project has a document record, and returns its one record.</summary>
    public static async Task<JsonNode> WaitForOneDocumentAsync(HttpClient reviewer, string projectId, string because)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var documents = (JsonArray)await (await reviewer.GetAsync($"/api/projects/{projectId}/documents")).ExpectAsync(HttpStatusCode.OK);
            if (documents.Count > 0)
            {
                return Assert.Single(documents)!;
            }

            Assert.True(DateTime.UtcNow < deadline, because);
            await Task.Delay(50);
        }
    }

    /// <summary>Waits until no item of the project is still waiting for machine labelers.</summary>
    public static async Task<JsonNode> WaitForWeakLabelingAsync(HttpClient reviewer, string projectId, int expectedItems, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var progress = await (await reviewer.GetAsync($"/api/projects/{projectId}/progress")).ExpectAsync(HttpStatusCode.OK);
            if (progress["items"]!.GetValue<int>() >= expectedItems && progress["byState"]!["weak-labeling"]!.GetValue<int>() == 0)
            {
                return progress;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Weak labeling did not finish: {progress.ToJsonString()}");
            await Task.Delay(50);
        }
    }
}
