using System.Text.RegularExpressions;

using Xunit;

namespace Labeling.TestSupport.Emulators;

/// <summary>
/// Azurite (Blob and Queue) in memory on ephemeral ports, for one test class or collection.
/// </summary>
public sealed partial class AzuriteFixture : IAsyncLifetime
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private EmulatorProcess? _process;

    /// <summary>A connection string for the emulator's well-known development account.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>The Blob endpoint.</summary>
    public Uri BlobEndpoint { get; private set; } = null!;

    /// <summary>The Queue endpoint.</summary>
    public Uri QueueEndpoint { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var folder = await EmulatorPackages.EnsureInstalledAsync();
        // --disableTelemetry: Azurite 3.37 sends usage telemetry by default; with no route to it, every run left a
        // Microsoft-AzureMonitor-* folder of unsent records in the temp folder.
        _process = await EmulatorProcess.StartAsync(
            folder,
            "node_modules/azurite/dist/src/azurite.js",
            "--inMemoryPersistence --skipApiVersionCheck --loose --disableTelemetry --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 --blobPort 0 --queuePort 0 --tablePort 0",
            [BlobReady(), QueueReady()],
            TimeSpan.FromSeconds(60));
        BlobEndpoint = new Uri($"http://127.0.0.1:{_process.Ports[0]}/devstoreaccount1");
        QueueEndpoint = new Uri($"http://127.0.0.1:{_process.Ports[1]}/devstoreaccount1");
        ConnectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};BlobEndpoint={BlobEndpoint};QueueEndpoint={QueueEndpoint};";
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_process is not null) await _process.DisposeAsync();
    }

    [GeneratedRegex(@"Blob service is successfully listening at http://[^:]+:(\d+)")]
    private static partial Regex BlobReady();

    [GeneratedRegex(@"Queue service is successfully listening at http://[^:]+:(\d+)")]
    private static partial Regex QueueReady();
}
