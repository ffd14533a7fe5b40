using System.Globalization;
using System.Net;
using System.Text.Json;
using Labeling.Application;
using Labeling.Application.Crowd;
using Labeling.Bench.Live;

namespace Labeling.Bench.Load;

/// <summary>
/// The two calls of a simulated worker, kept cheap for the load generator, which shares the machine's
/// cores with the server it measures: the vote body is serialized once per label, the bearer header
/// once per worker, and of each answer only what the worker needs is read (the lease id of a task; the
/// status of a vote). The server does exactly the same work as for <see cref="LabelingApiClient"/>, and
/// every answer is still read to its end and checked.
/// </summary>
internal sealed class LoadClient : IDisposable
{
    private static readonly byte[] LeaseIdProperty = "leaseId"u8.ToArray();
    private readonly HttpClient _http;
    private readonly Dictionary<string, byte[]> _voteBodies;

    public LoadClient(Uri server, IEnumerable<string> labels)
        : this(server, labels, new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10), UseProxy = false })
    {
    }

    /// <summary>A client sending through <paramref name="handler"/> (tests script the server with it).</summary>
    internal LoadClient(Uri server, IEnumerable<string> labels, HttpMessageHandler handler)
    {
        _http = new HttpClient(handler) { BaseAddress = server, Timeout = TimeSpan.FromSeconds(120) };
        _voteBodies = labels.ToDictionary(l => l, l => JsonSerializer.SerializeToUtf8Bytes(new VoteRequest(l), LabelingJson.Options), StringComparer.Ordinal);
    }

    /// <summary>GET /api/projects/{id}/tasks/next: the lease id, or null on 204.</summary>
    public async Task<string?> NextLeaseAsync(string bearer, string projectId, CancellationToken ct)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, $"api/projects/{projectId}/tasks/next");
        message.Headers.TryAddWithoutValidation("Authorization", bearer);
        using var response = await _http.SendAsync(message, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NoContent) return null;
        var body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        Ensure(response, body, "lease a task");
        return LeaseIdOf(body) ?? throw new ApiException(response.StatusCode, "The task has no leaseId.");
    }

    /// <summary>POST /api/tasks/{leaseId}/votes with an Idempotency-Key, retried on 5xx and connection failures like <see cref="LabelingApiClient.VoteAsync"/>.</summary>
    public async Task VoteAsync(string bearer, string leaseId, string label, string idempotencyKey, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var message = new HttpRequestMessage(HttpMethod.Post, $"api/tasks/{leaseId}/votes");
                message.Headers.TryAddWithoutValidation("Authorization", bearer);
                message.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
                message.Content = new ByteArrayContent(_voteBodies[label]);
                message.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
                using var response = await _http.SendAsync(message, ct).ConfigureAwait(false);
                var body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
                Ensure(response, body, $"vote on lease {leaseId}");
                return;
            }
            // The key makes a retry safe: a vote that was stored comes back replayed, not doubled.
            catch (Exception e) when (attempt < 3 && e is HttpRequestException or ApiException { Status: >= HttpStatusCode.InternalServerError })
            {
                await Task.Delay(100 * attempt, ct).ConfigureAwait(false);
            }
        }
    }

    public void Dispose() => _http.Dispose();

    private static string? LeaseIdOf(byte[] body)
    {
        var reader = new Utf8JsonReader(body);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals(LeaseIdProperty))
            {
                return reader.Read() ? reader.GetString() : null;
            }
        }

        return null;
    }

    private static void Ensure(HttpResponseMessage response, byte[] body, string what)
    {
        if (response.IsSuccessStatusCode) return;
        var text = System.Text.Encoding.UTF8.GetString(body);
        throw new ApiException(response.StatusCode, string.Create(CultureInfo.InvariantCulture,
            $"Could not {what}: {(int)response.StatusCode} {response.ReasonPhrase}. {(text.Length > 500 ? text[..500] + "…" : text)}"));
    }
}
