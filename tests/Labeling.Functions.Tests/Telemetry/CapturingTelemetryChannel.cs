using System.Collections.Concurrent;
using Microsoft.ApplicationInsights.Channel;

namespace Labeling.Functions.Tests.Telemetry;

/// <summary>
/// The worker's telemetry channel in tests: keeps every item the SDK would have sent. The SDK's own channel would post
/// them to the ingestion endpoint after fetching a managed identity token, which nothing here can answer.
/// </summary>
public sealed class CapturingTelemetryChannel : ITelemetryChannel
{
    public ConcurrentQueue<ITelemetry> Items { get; } = new();

    public bool? DeveloperMode { get; set; }

    /// <summary>Where the SDK points the channel: its ingestion endpoint, the Entra one once a credential is set.</summary>
    public string? EndpointAddress { get; set; }

    public void Send(ITelemetry item) => Items.Enqueue(item);

    public void Flush()
    {
    }

    public void Dispose()
    {
    }
}
