using System.Net;
using Labeling.Application.Problems;

namespace Labeling.Bench.Live;

/// <summary>The server answered a request with an unexpected status; the message carries its problem detail.</summary>
internal sealed class ApiException(HttpStatusCode status, string message) : Exception(message)
{
    /// <summary>The HTTP status the server answered with.</summary>
    public HttpStatusCode Status { get; } = status;

    /// <summary>
    /// Whether the server refused because the project retired the worker (403 with the title of
    /// <see cref="WorkerRetiredException"/>): the worker gets no more tasks. The clients keep the head of the problem
    /// document in the message, where the title is.
    /// </summary>
    public bool IsWorkerRetired => Status == HttpStatusCode.Forbidden && Message.Contains(WorkerRetiredException.ProblemTitle, StringComparison.Ordinal);
}
