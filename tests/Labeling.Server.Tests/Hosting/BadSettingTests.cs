using Labeling.Server.Tests.Support;

namespace Labeling.Server.Tests.Hosting;

/// <summary>A setting that does not bind or fails validation stops the real server before it listens, in one line.</summary>
public sealed class BadSettingTests
{
    [Theory]
    [InlineData("--Labeling:LeaseDuration=abc", "'Labeling:LeaseDuration'")]
    [InlineData("--Labeling:LeaseDuration=2.00:00:00", "LeaseDuration must be between")]
    [InlineData("--Events:MaxAttempts=0", "MaxAttempts must be between 1 and 100")]
    // Accepted up to 365 days, but the re-fit's timer takes at most 49.7 days: the server started and then stopped.
    [InlineData("--Refit:Interval=60.00:00:00", "Interval must be between 00:00:00 and 49.00:00:00")]
    // Kestrel:Limits was bound only as the host started: the server aborted (exit 134) with the binder's stack trace.
    [InlineData("--Kestrel:Limits:KeepAliveTimeout=abc", "'Kestrel:Limits:KeepAliveTimeout'")]
    [InlineData("--Kestrel:Limits:MaxConcurrentConnections=-5", "Kestrel:Limits:MaxConcurrentConnections is '-5'")]
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

    [Fact]
    public async Task Start_WithAWebhookSecretThatIsNotBase64AfterWhsec_ExitsWith1AndOneLineNamingIt()
    {
        // Validation took any secret, and the webhook's signer decodes a whsec_ secret only when the dispatcher is
        // built, as the host starts: the server aborted (exit 134) with a FormatException's stack trace.
        using var data = new TempFolder();
        using var server = new ServerProcess(
            data.Path, ServerProcess.FreePort(), "--Events:Webhooks:0:Name=ml", "--Events:Webhooks:0:Url=http://127.0.0.1:9/hook", "--Events:Webhooks:0:Secret=whsec_not base64!");

        var exitCode = await server.RunToExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exitCode);
        Assert.Contains("Labeling.Server did not start: ", server.Output, StringComparison.Ordinal);
        Assert.Contains("Events:Webhooks 'ml': the Secret starts with whsec_", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithAMisspelledSetting_RunsAndWarnsNamingItAndTheKeysItsSectionTakes()
    {
        // --Labeling:LeaseDuraton was ignored without a word: the server ran with the default lease.
        using var data = new TempFolder();
        using var server = new ServerProcess(
            data.Path,
            ServerProcess.FreePort(),
            "--Labeling:CreateDemoProject=false",
            "--Labeling:LeaseDuraton=00:01:00",
            "--Ingestoin:TextColumn=body",
            "--Events:Webhooks:0:Name=audit",
            "--Events:Webhooks:0:Url=http://127.0.0.1:9/hook",
            "--Events:Webhooks:0:Secret=a-sixteen-byte-or-longer-secret",
            "--Events:Webhooks:0:Timout=00:01:00");

        await server.StartAsync();

        Assert.Contains("The setting Labeling:LeaseDuraton is not one the server reads and is ignored", server.Output, StringComparison.Ordinal);
        Assert.Contains("LeaseDuration", server.Output[server.Output.IndexOf("check its spelling: Labeling takes ", StringComparison.Ordinal)..], StringComparison.Ordinal);
        Assert.Contains("The setting Ingestoin is not one the server reads and is ignored; check its spelling: did you mean Ingestion?", server.Output, StringComparison.Ordinal);
        // A key of one webhook is checked against what a webhook takes.
        Assert.Contains("The setting Events:Webhooks:0:Timout is not one the server reads and is ignored; check its spelling: Events:Webhooks:0 takes Name, Secret, Timeout, Url", server.Output, StringComparison.Ordinal);
        Assert.Equal(3, server.Output.Split('\n').Count(line => line.Contains("UnknownSettings[1004]", StringComparison.Ordinal)));
    }
}
