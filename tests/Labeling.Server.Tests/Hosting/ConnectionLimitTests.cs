using System.Net;
using System.Net.Sockets;
using System.Text;
using Labeling.Server.Tests.Support;
using Labeling.TestSupport;

namespace Labeling.Server.Tests.Hosting;

/// <summary>
/// Open connections are capped: a security review crashed the server, without a token, by holding about 19,000 idle
/// connections open (one file descriptor each, up to the process's limit). Kestrel:Limits was not read from configuration
/// either, so no operator could set a cap.
/// </summary>
public sealed class ConnectionLimitTests
{
    [Theory]
    [InlineData(20_000L, 5_000L)]
    [InlineData(1_024L, 256L)]
    [InlineData(300L, 64L)]
    [InlineData(null, 5_000L)]
    public void DefaultFor_HalfWhatTheOpenFileLimitLeaves_Within64And5000(long? openFileLimit, long expected) =>
        Assert.Equal(expected, ConnectionLimits.DefaultFor(openFileLimit));

    // Reported as skipped, not passed, where there is no Linux open-file limit to read.
    [LinuxFact]
    public void OpenFileLimit_OnLinux_IsRead() =>
        Assert.InRange(ConnectionLimits.OpenFileLimit() ?? 0, 64, long.MaxValue);

    [Fact]
    public async Task Connections_PastTheConfiguredCap_AreTurnedAwayAndLogged_AndTheServerKeepsAnswering()
    {
        using var data = new TempFolder();
        using var server = new ServerProcess(data.Path, ServerProcess.FreePort(), "--Labeling:CreateDemoProject=false", "--Kestrel:Limits:MaxConcurrentConnections=3");
        await server.StartAsync();

        // Three connections that never finish their headers hold every place. One that the server turned away (the start's
        // health check may still have held a place as it opened) is opened again once that place is free: under load the
        // check's connection closed only after the three were counted, and the request below got its place.
        var idle = new List<TcpClient>();
        try
        {
            for (var tries = 0; idle.Count < 3; tries++)
            {
                Assert.True(tries < 50, "three idle connections could not be held open");
                var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, server.BaseAddress.Port);
                await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes("GET /health HTTP/1.1\r\n"));
                await Task.Delay(200);
                if (client.Client.Poll(0, SelectMode.SelectRead) && client.Available == 0)
                {
                    client.Dispose(); // closed by the server: turned away
                    continue;
                }

                idle.Add(client);
            }

            using (var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(10) })
            {
                await Assert.ThrowsAnyAsync<HttpRequestException>(() => http.GetAsync("/health"));
            }

            await Eventually.HoldsAsync(
                () => server.Output.Contains("rejected because the maximum number of concurrent connections has been reached", StringComparison.Ordinal),
                TimeSpan.FromSeconds(10), "the turned-away connection was not logged");
        }
        finally
        {
            foreach (var client in idle)
            {
                client.Dispose();
            }
        }

        // Places free again once the idle connections close.
        await Eventually.HoldsAsync(async () =>
        {
            using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
            try
            {
                return (await http.GetAsync("/health")).StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(20), "the server did not answer once the idle connections closed");
    }
}
