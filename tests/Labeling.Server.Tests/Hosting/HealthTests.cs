using System.Net;
using Labeling.Adapters.Local.Hosting;
using Labeling.Server.Tests.Support;
using Labeling.TestSupport.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Labeling.Server.Tests.Hosting;

/// <summary><c>/health</c> says whether the server can write, not only whether SQLite answers a read.</summary>
public sealed class HealthTests
{
    [Fact]
    public async Task Health_OnAWritableDatabaseWithRoom_IsHealthy()
    {
        using var server = new ServerFactory(new Dictionary<string, string?> { ["Labeling:CreateDemoProject"] = "false" });
        using var anonymous = server.CreateClient();

        var response = await anonymous.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Health_WithLessFreeDiskThanTheSettingAsks_IsUnhealthy_LoggedOnceNotAtEveryPoll()
    {
        // A full disk failed every vote with a 500 while /health, which only read, kept answering Healthy (operator review).
        var logs = new LogCollector();
        using var server = new ServerFactory(
            new Dictionary<string, string?> { ["Labeling:CreateDemoProject"] = "false", ["Storage:MinFreeDiskBytes"] = long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            services: services => services.AddSingleton<ILoggerProvider>(logs));
        using var anonymous = server.CreateClient();

        var first = await anonymous.GetAsync("/health");
        var second = await anonymous.GetAsync("/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.Equal("Unhealthy", await first.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        var logged = Assert.Single(logs.Records, r => r.EventId.Id == 1007);
        Assert.Equal(typeof(SqliteHealthCheck).FullName, logged.Category);
        Assert.Contains("free, under Storage:MinFreeDiskBytes", logged.Message, StringComparison.Ordinal);
    }
}
