using Labeling.Server.Tests.Support;

namespace Labeling.Server.Tests.Hosting;

/// <summary>A setting that does not bind or fails validation stops the real server before it listens, in one line.</summary>
public sealed class BadSettingTests
{
    [Theory]
    [InlineData("--Labeling:LeaseDuration=abc", "'Labeling:LeaseDuration'")]
    [InlineData("--Labeling:LeaseDuration=2.00:00:00", "LeaseDuration must be between")]
    [InlineData("--Events:MaxAttempts=0", "MaxAttempts must be between 1 and 100")]
    public async Task Start_WithABadSetting_ExitsWith1AndOneLineNamingIt(string setting, string expected)
    {
        using var data = new TempFolder();
        using var server = new ServerProcess(data.Path, ServerProcess.FreePort(), setting);

        var exitCode = await server.RunToExitAsync(TimeSpan.FromSeconds(60));

        // It was an unhandled exception (exit 134, "Aborted") or a failed host start, each with a stack trace.
        Assert.Equal(1, exitCode);
        Assert.Contains("Labeling.Server did not start: ", server.Output, StringComparison.Ordinal);
        Assert.Contains(expected, server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", server.Output, StringComparison.Ordinal);
    }
}
