using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Labeling.Application;
using Labeling.Application.Crowd;
using Labeling.Application.Export;
using Labeling.Application.Items;
using Labeling.Application.Projects;
using Labeling.Application.Truth;

namespace Labeling.Bench.Live;

/// <summary>
/// The labeling HTTP API as the bench uses it. Every call names its bearer token, since one client
/// plays an admin, a reviewer and many workers at once. JSON follows the server's own conventions
/// (<see cref="LabelingJson.Options"/>), so the server's response records deserialize directly.
/// </summary>
internal sealed class LabelingApiClient : IDisposable
{
    private readonly HttpClient _http;

    /// <summary>Creates a client for the server at <paramref name="server"/>.</summary>
    public LabelingApiClient(Uri server)
        : this(server, TimeProvider.System)
    {
    }

    /// <summary>Creates a client for the server at <paramref name="server"/> that waits on <paramref name="time"/> when told to slow down (429).</summary>
    public LabelingApiClient(Uri server, TimeProvider time)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 256,
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            UseProxy = false,
        };
        // Each send has its own timeout in the retry handler; the client's would also count the waits the server asks for.
        _http = new HttpClient(new TooManyRequestsRetry(time) { InnerHandler = handler }) { BaseAddress = server, Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>POST /api/projects.</summary>
    public async Task CreateProjectAsync(string token, CreateProjectRequest request, CancellationToken ct)
    {
        using var message = Request(HttpMethod.Post, "api/projects", token);
        message.Content = JsonContent.Create(request, options: LabelingJson.Options);
        using var response = await _http.SendAsync(message, ct).ConfigureAwait(false);
        await EnsureAsync(response, "create the project", ct).ConfigureAwait(false);
    }

    /// <summary>POST /api/projects/{id}/documents with <paramref name="content"/> as the multipart field <c>file</c>.</summary>
    public async Task UploadAsync(string token, string projectId, string fileName, byte[] content, CancellationToken ct)
    {
        using var message = Request(HttpMethod.Post, $"api/projects/{Uri.EscapeDataString(projectId)}/documents", token);
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue(fileName.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? "text/csv" : "application/octet-stream");
        form.Add(file, "file", fileName);
        message.Content = form;
        using var response = await _http.SendAsync(message, ct).ConfigureAwait(false);
        await EnsureAsync(response, $"upload '{fileName}'", ct).ConfigureAwait(false);
    }

    /// <summary>GET /api/projects/{id}/progress.</summary>
    public Task<ProjectProgress> ProgressAsync(string token, string projectId, CancellationToken ct) =>
        GetJsonAsync<ProjectProgress>(token, $"api/projects/{Uri.EscapeDataString(projectId)}/progress", "read progress", ct);

    /// <summary>GET /api/projects/{id}/tasks/next; null on 204 (nothing for this worker).</summary>
    public async Task<TaskAssignment?> NextTaskAsync(string token, string projectId, CancellationToken ct)
    {
        using var message = Request(HttpMethod.Get, $"api/projects/{Uri.EscapeDataString(projectId)}/tasks/next", token);
        using var response = await _http.SendAsync(message, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NoContent) return null;
        await EnsureAsync(response, "lease a task", ct).ConfigureAwait(false);
        return await ReadAsync<TaskAssignment>(response, ct).ConfigureAwait(false);
    }

    /// <summary>POST /api/tasks/{leaseId}/votes with an Idempotency-Key, retried on 5xx and connection failures.</summary>
    public async Task<VoteReceipt> VoteAsync(string token, string leaseId, string label, string idempotencyKey, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var message = Request(HttpMethod.Post, $"api/tasks/{Uri.EscapeDataString(leaseId)}/votes", token);
                message.Headers.Add("Idempotency-Key", idempotencyKey);
                message.Content = JsonContent.Create(new VoteRequest(label), options: LabelingJson.Options);
                using var response = await _http.SendAsync(message, ct).ConfigureAwait(false);
                await EnsureAsync(response, $"vote on lease {leaseId}", ct).ConfigureAwait(false);
                return await ReadAsync<VoteReceipt>(response, ct).ConfigureAwait(false);
            }
            // The key makes a retry safe: a vote that was stored comes back replayed, not doubled.
            catch (Exception e) when (attempt < 3 && e is HttpRequestException or ApiException { Status: >= HttpStatusCode.InternalServerError })
            {
                await Task.Delay(100 * attempt, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>POST /api/tasks/{leaseId}/release: gives the task back without voting, retried on 5xx and connection failures (a release is idempotent).</summary>
    public async Task ReleaseAsync(string token, string leaseId, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var message = Request(HttpMethod.Post, $"api/tasks/{Uri.EscapeDataString(leaseId)}/release", token);
                using var response = await _http.SendAsync(message, ct).ConfigureAwait(false);
                await EnsureAsync(response, $"release lease {leaseId}", ct).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (attempt < 3 && e is HttpRequestException or ApiException { Status: >= HttpStatusCode.InternalServerError })
            {
                await Task.Delay(100 * attempt, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Every item of the project, paged through GET /api/projects/{id}/items.</summary>
    public async Task<List<ItemView>> ListItemsAsync(string token, string projectId, CancellationToken ct)
    {
        var all = new List<ItemView>();
        string? after = null;
        while (true)
        {
            var path = $"api/projects/{Uri.EscapeDataString(projectId)}/items?limit=1000" + (after is null ? "" : "&after=" + Uri.EscapeDataString(after));
            var page = await GetJsonAsync<List<ItemView>>(token, path, "list items", ct).ConfigureAwait(false);
            all.AddRange(page);
            if (page.Count < 1000) return all;
            after = page[^1].Id;
        }
    }

    /// <summary>GET /api/projects/{id}/items/{itemId}: the item with its votes.</summary>
    public Task<ItemView> GetItemAsync(string token, string projectId, string itemId, CancellationToken ct) =>
        GetJsonAsync<ItemView>(token, $"api/projects/{Uri.EscapeDataString(projectId)}/items/{Uri.EscapeDataString(itemId)}", $"read item {itemId}", ct);

    /// <summary>The decided labels of GET /api/projects/{id}/export?format=jsonl.</summary>
    public async Task<List<ExportRow>> ExportAsync(string token, string projectId, CancellationToken ct)
    {
        using var message = Request(HttpMethod.Get, $"api/projects/{Uri.EscapeDataString(projectId)}/export?format=jsonl", token);
        using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        await EnsureAsync(response, "export labels", ct).ConfigureAwait(false);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false), Encoding.UTF8);
        var rows = new List<ExportRow>();
        while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0) continue;
            rows.Add(JsonSerializer.Deserialize<ExportRow>(line, LabelingJson.Options)
                ?? throw new ApiException(HttpStatusCode.OK, "The export holds an empty line of JSON."));
        }
        return rows;
    }

    /// <summary>POST /api/projects/{id}/refit (Admin): the batch re-fit now, with the labels it revised.</summary>
    /// <remarks>A 409 says the server's own (scheduled) re-fit of the project is running: asked again once it has had time to end.</remarks>
    public async Task<RefitSummary> RefitAsync(string token, string projectId, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var message = Request(HttpMethod.Post, $"api/projects/{Uri.EscapeDataString(projectId)}/refit", token);
            using var response = await _http.SendAsync(message, ct).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Conflict && attempt < 30)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
                continue;
            }

            await EnsureAsync(response, "re-fit the project", ct).ConfigureAwait(false);
            return await ReadAsync<RefitSummary>(response, ct).ConfigureAwait(false);
        }
    }

    public void Dispose() => _http.Dispose();

    private static HttpRequestMessage Request(HttpMethod method, string path, string token)
    {
        var message = new HttpRequestMessage(method, path);
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return message;
    }

    private async Task<T> GetJsonAsync<T>(string token, string path, string what, CancellationToken ct)
    {
        using var message = Request(HttpMethod.Get, path, token);
        using var response = await _http.SendAsync(message, ct).ConfigureAwait(false);
        await EnsureAsync(response, what, ct).ConfigureAwait(false);
        return await ReadAsync<T>(response, ct).ConfigureAwait(false);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken ct) =>
        await response.Content.ReadFromJsonAsync<T>(LabelingJson.Options, ct).ConfigureAwait(false)
        ?? throw new ApiException(response.StatusCode, $"{response.RequestMessage?.RequestUri} answered an empty body.");

    private static async Task EnsureAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode) return;
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        var detail = body.Length > 500 ? body[..500] + "…" : body;
        throw new ApiException(response.StatusCode,
            string.Create(CultureInfo.InvariantCulture, $"Could not {what}: {(int)response.StatusCode} {response.ReasonPhrase} from {response.RequestMessage?.RequestUri}. {detail}"));
    }
}
