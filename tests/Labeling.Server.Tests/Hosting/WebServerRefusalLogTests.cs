using System.Net;
using Labeling.Server.Tests.Support;

namespace Labeling.Server.Tests.Hosting;

/// <summary>
/// Requests the web server (Kestrel) refuses before the application sees them are logged too, by the server's own
/// bad-request log, which appsettings.json turns on: the application's refusal log never sees them.
/// </summary>
public sealed class WebServerRefusalLogTests
{
    [Fact]
    public async Task RequestLineOrHeadersTooLong_AreRefusedByTheWebServer_AndEachLeavesALogLine()
    {
        using var data = new TempFolder();
        using var server = new ServerProcess(data.Path, ServerProcess.FreePort(), "--Labeling:CreateDemoProject=false");
        await server.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        var longLine = await http.GetAsync("/" + new string('a', 9_000));
        using var bigHeaders = new HttpRequestMessage(HttpMethod.Get, "/health");
        bigHeaders.Headers.Add("X-Padding", new string('a', 40_000));
        var tooLarge = await http.SendAsync(bigHeaders);

        Assert.Equal(HttpStatusCode.RequestUriTooLong, longLine.StatusCode);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, tooLarge.StatusCode);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!(server.Output.Contains("Request line too long.", StringComparison.Ordinal) && server.Output.Contains("Request headers too long.", StringComparison.Ordinal))
            && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Contains("bad request data: \"Request line too long.\"", server.Output, StringComparison.Ordinal);
        Assert.Contains("bad request data: \"Request headers too long.\"", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadRequestQuotingEscapeSequences_IsLoggedPrintable_WithoutAStackTrace()
    {
        using var data = new TempFolder();
        using var server = new ServerProcess(data.Path, ServerProcess.FreePort(), "--Labeling:CreateDemoProject=false");
        await server.StartAsync();

        // Raw bytes, as a client that does not care about HTTP sends them: an escape sequence in Host.
        using (var tcp = new System.Net.Sockets.TcpClient())
        {
            await tcp.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port);
            var stream = tcp.GetStream();
            await stream.WriteAsync("GET /health HTTP/1.1\r\nHost: a\u001b[2J\u001b[31mEVIL\r\n\r\n"u8.ToArray());
            var answer = new byte[1024];
            var read = await stream.ReadAsync(answer);
            Assert.StartsWith("HTTP/1.1 400", System.Text.Encoding.ASCII.GetString(answer, 0, read), StringComparison.Ordinal);
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!server.Output.Contains("EVIL", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var output = server.Output;
        Assert.True(output.Contains("\\u001b[2J\\u001b[31mEVIL", StringComparison.Ordinal), output);
        Assert.DoesNotContain('\u001b', output);
        Assert.DoesNotContain("at Microsoft.AspNetCore.Server.Kestrel", output, StringComparison.Ordinal);
    }
}
