using System.Diagnostics;
using System.Text.RegularExpressions;
using Labeling.Server.Tests.Support;

namespace Labeling.Server.Tests.EndToEnd;

/// <summary>Runs the README's walk-through, command for command, against a fresh server process.</summary>
public sealed partial class ReadmeWalkthroughTests
{
    [Fact]
    public async Task Walkthrough_AsWrittenInTheReadme_RunsAndEndsWithALabelReadyEventAndAnExport()
    {
        var script = Walkthrough();
        // The folder both terminals of the README start in (the repository root there): the server's default data
        // folder, ./data, must be here, where step 9 reads the event file, not in the project folder `dotnet run` builds.
        using var work = new TempFolder();
        using var server = ServerProcess.AsTheReadmeStartsIt(work.Path, ServerProcess.FreePort());
        await server.StartAsync();

        // The only changes: where the server listens, `dotnet run` without a rebuild and with the project's full path
        // (the script runs outside the repository), and where ../shared is on this machine.
        script = script
            .Replace("http://localhost:5080", server.BaseAddress.ToString().TrimEnd('/'), StringComparison.Ordinal)
            .Replace(
                "dotnet run --project src/Labeling.Server",
                $"dotnet run --no-build -c {RepositoryPaths.Configuration()} --project '{RepositoryPaths.ServerProject()}'",
                StringComparison.Ordinal)
            .Replace("../shared/corpora/youtube-spam", RepositoryPaths.YouTubeSpamCorpus(), StringComparison.Ordinal);
        var (exitCode, output) = await RunBashAsync(script, work.Path);

        Assert.True(exitCode == 0, $"The walk-through failed ({exitCode}):\n{output}\n--- server ---\n{server.Output}");
        Assert.True(File.Exists(Path.Combine(work.Path, "data", "labeling.db")), "The server's data folder is not ./data where it was started.");
        // Five uploads and the repeated one, which answers with the document already ingested.
        Assert.Equal(6, Regex.Count(output, "\"status\":\"ingested\""));
        // Step 7: two agreeing votes from workers without a record leave the item collecting; step 7b decides it.
        Assert.Contains("asking for another vote", output, StringComparison.Ordinal);
        Assert.Contains("\"state\":\"decided\"", output, StringComparison.Ordinal);
        Assert.Contains("\"type\":\"label.ready\"", output, StringComparison.Ordinal);
        Assert.Contains("\"worker\":\"worker:alice\"", output, StringComparison.Ordinal);
        // Step 8b: the demo's three rules with their firing rates, none trusted yet.
        Assert.Contains("\"labeler\":\"rule:check-out-my\",\"kind\":\"rule\"", output, StringComparison.Ordinal);
        Assert.Contains("\"firingRates\":{\"spam\":{\"spam\":", output, StringComparison.Ordinal);
        Assert.DoesNotContain("\"trusted\":true", output, StringComparison.Ordinal);
        Assert.Contains("item_id,external_id,text,label,confidence,posterior,decided_by,vote_count,document_id,source_id", output, StringComparison.Ordinal);
    }

    private static string Walkthrough()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.RepositoryRoot(), "README.md"));
        var match = WalkthroughBlock().Match(readme);
        Assert.True(match.Success, "README.md has no walkthrough block between <!-- walkthrough:start --> and <!-- walkthrough:end -->.");
        return match.Groups["script"].Value;
    }

    private static async Task<(int ExitCode, string Output)> RunBashAsync(string script, string workingDirectory)
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-euo");
        start.ArgumentList.Add("pipefail");
        start.ArgumentList.Add("-s");
        using var bash = Process.Start(start)!;
        await bash.StandardInput.WriteAsync(script);
        bash.StandardInput.Close();
        var stdout = bash.StandardOutput.ReadToEndAsync();
        var stderr = bash.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await bash.WaitForExitAsync(timeout.Token);
        return (bash.ExitCode, await stdout + await stderr);
    }

    [GeneratedRegex(@"<!-- walkthrough:start -->\s*```bash\n(?<script>.*?)```\s*<!-- walkthrough:end -->", RegexOptions.Singleline)]
    private static partial Regex WalkthroughBlock();
}
