using System.Text.RegularExpressions;

using Xunit;

namespace Labeling.TestSupport.Emulators;

/// <summary>
/// The <c>@vercel/cosmosdb-server</c> Cosmos DB NoSQL API server on an ephemeral HTTPS port with
/// a self-signed certificate. Clients must use gateway mode and trust this endpoint only.
/// </summary>
/// <remarks>
/// Started through <c>tests/emulators/cosmosdb-server.js</c>, which keeps connections open between requests (the package's
/// own CLI closes each one, so every request paid a TLS handshake) and writes resource ids as Cosmos DB does, '-' for '/'
/// (a rid holding '/' broke every query on its database's containers).
/// </remarks>
public sealed partial class CosmosEmulatorFixture : IAsyncLifetime
{
    /// <summary>The emulator's well-known account key.</summary>
    public const string AccountKey = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU9DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

    private EmulatorProcess? _process;

    /// <summary>The account endpoint.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>A connection string for the emulator.</summary>
    public string ConnectionString => $"AccountEndpoint={Endpoint};AccountKey={AccountKey};";

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var folder = await EmulatorPackages.EnsureInstalledAsync();
        _process = await EmulatorProcess.StartAsync(
            folder,
            "cosmosdb-server.js",
            "--host 127.0.0.1 -p 0",
            [Ready()],
            TimeSpan.FromSeconds(60));
        Endpoint = new Uri($"https://127.0.0.1:{_process.Ports[0]}/");
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_process is not null) await _process.DisposeAsync();
    }

    [GeneratedRegex(@"Ready to accept HTTPS connections at .*:(\d+)")]
    private static partial Regex Ready();
}
