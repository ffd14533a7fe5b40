namespace Labeling.Bench.Tests.Live;

/// <summary>One <see cref="LiveServer"/> shared by the tests of a class.</summary>
public sealed class LiveServerFixture : IAsyncLifetime
{
    private LiveServer? _server;

    internal LiveServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public async Task InitializeAsync() => _server = await LiveServer.StartAsync();

    public Task DisposeAsync()
    {
        _server?.Dispose();
        return Task.CompletedTask;
    }
}
