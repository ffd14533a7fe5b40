using System.Net;

namespace Labeling.Bench.Live;

/// <summary>The server answered a request with an unexpected status; the message carries its problem detail.</summary>
internal sealed class ApiException(HttpStatusCode status, string message) : Exception(message)
{
    /// <summary>The HTTP status the server answered with.</summary>
    public HttpStatusCode Status { get; } = status;
}
