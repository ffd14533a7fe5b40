using System.Text.RegularExpressions;
using Labeling.TestSupport;

namespace Labeling.Functions.Tests.Metadata;

/// <summary>
/// azure.yaml's postdeploy hook, which subscribes Ingest to the storage account's BlobCreated events (without it no file
/// dropped into <c>documents/</c> is ever ingested on Flex Consumption). azd runs a hook's <c>windows</c> variant on Windows
/// and its <c>posix</c> variant elsewhere, with no fallback between them: a hook with only one variant fails
/// <c>azd deploy</c> and <c>azd up</c> on the other OS ("run is always required"). So there are two scripts, and they must
/// create the same subscription.
/// </summary>
public sealed partial class PostdeployHookTests
{
    private static readonly string AzureYaml = RepositoryFiles.ReadAllText("azure.yaml");
    private static readonly string Bash = RepositoryFiles.ReadAllText("infra", "scripts", "subscribe-blob-events.sh");
    private static readonly string PowerShell = RepositoryFiles.ReadAllText("infra", "scripts", "subscribe-blob-events.ps1");

    [Theory]
    [InlineData("posix", "sh", "infra/scripts/subscribe-blob-events.sh")]
    [InlineData("windows", "pwsh", "infra/scripts/subscribe-blob-events.ps1")]
    public void Postdeploy_HasAVariantForEachOs_RunningItsScript(string os, string shell, string script)
    {
        var hook = Regex.Match(AzureYaml, @"^  postdeploy:\r?\n((?:    .*\r?\n)+)", RegexOptions.Multiline);
        Assert.True(hook.Success, "azure.yaml has no postdeploy hook.");
        var variant = Regex.Match(hook.Groups[1].Value, $@"^    {os}:\r?\n((?:      .*\r?\n)+)", RegexOptions.Multiline);
        Assert.True(variant.Success, $"The postdeploy hook has no '{os}' variant: azd deploy fails on that OS.");
        var body = variant.Groups[1].Value;
        Assert.Matches($@"(?m)^      shell: {shell}\s*$", body);
        Assert.Matches($@"(?m)^      run: .*{Regex.Escape(script)}\s*$", body);
        Assert.Matches(@"(?m)^      continueOnError: false\s*$", body);
        Assert.True(File.Exists(Path.Combine(RepositoryFiles.Root(), script)), $"{script} does not exist.");
    }

    [Fact]
    public void BothScripts_CreateTheSameSubscription()
    {
        // Subscription name, API version, webhook path, filter, retries and the identity that writes dead letters: the
        // PowerShell twin drifting from the shell script would give Windows users another subscription.
        Assert.Equal(Value(Bash, @"api_version=""([^""]+)"""), Value(PowerShell, @"\$apiVersion = '([^']+)'"));
        Assert.Equal(Value(Bash, @"(?m)^container=""([^""]+)"""), Value(PowerShell, @"(?m)^\$container = '([^']+)'"));
        Assert.Equal(Value(Bash, @"subscription_name=""([^""]+)"""), Value(PowerShell, @"\$subscriptionName = ""([^""]+)""").Replace("$container", "${container}", StringComparison.Ordinal));
        Assert.Equal(Value(Bash, @"INGEST_FUNCTION_NAME:-(\w+)"), Value(PowerShell, @"\{ '(\w+)' \}\r?\n\$container"));
        Assert.Equal(Value(Bash, @"AZURE_BLOB_EVENTS_DEADLETTER_CONTAINER:-([\w-]+)"), Value(PowerShell, @"else \{ '(eventgrid-[\w-]+)' \}"));

        foreach (var script in new[] { Bash, PowerShell })
        {
            Assert.Contains("/runtime/webhooks/blobs?functionName=Host.Functions.", script, StringComparison.Ordinal);
            Assert.Contains("systemKeys.blobs_extension", script, StringComparison.Ordinal);
            Assert.Contains("Microsoft.Storage.BlobCreated", script, StringComparison.Ordinal);
            Assert.Contains("/blobServices/default/containers/", script, StringComparison.Ordinal);
            Assert.Matches(@"maxDeliveryAttempts""?\s*[:=]\s*30", script);
            Assert.Matches(@"eventTimeToLiveInMinutes""?\s*[:=]\s*1440", script);
            // Behind the storage firewall Event Grid writes dead letters only with the system topic's system-assigned identity.
            Assert.Matches(@"deadLetterWithResourceIdentity""?\s*[:=]\s*(@)?\{\s*""?identity""?\s*[:=]\s*(@)?\{\s*""?type""?\s*[:=]\s*[""']SystemAssigned[""']", script);
        }
    }

    private static string Value(string text, string pattern)
    {
        var match = Regex.Match(text, pattern);
        Assert.True(match.Success, $"'{pattern}' not found.");
        return match.Groups[1].Value;
    }
}
