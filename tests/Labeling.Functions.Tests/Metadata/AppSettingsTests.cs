using System.Text.RegularExpressions;
using Labeling.Adapters.Azure.Chat;
using Labeling.Adapters.Azure.Cosmos;
using Labeling.Adapters.Azure.Messaging;
using Labeling.Adapters.Azure.Storage;
using Labeling.Functions.Http;
using Labeling.TestSupport;

namespace Labeling.Functions.Tests.Metadata;

/// <summary>
/// The app settings the Bicep gives the function app (infra/app/functions.bicep's own and those main.bicep passes it) against
/// what the host and the code read: the triggers' storage connection from <c>functions.metadata</c>, the options sections
/// from their <c>SectionName</c>.
/// </summary>
public sealed partial class AppSettingsTests
{
    private static readonly IReadOnlyDictionary<string, System.Text.Json.JsonElement> Functions = FunctionsMetadata.Load();
    private static readonly IReadOnlySet<string> Settings = BicepAppSettings();

    [Fact]
    public void StorageTriggers_UseTheSectionTheAppReads_AndTheBicepSetsItsIdentityConnection()
    {
        var connections = StorageTriggerConnections();
        Assert.Equal(["Ingest", "IngestPoisoned", "WeakLabel"], connections.Keys.Order(StringComparer.Ordinal));
        foreach (var (function, connection) in connections)
        {
            // The triggers listen where the app's own clients write (StorageClients reads this section).
            Assert.True(connection == StorageOptions.SectionName, $"{function} binds connection '{connection}', not {StorageOptions.SectionName}.");
            foreach (var part in new[] { "blobServiceUri", "queueServiceUri", "credential", "clientId" })
            {
                Assert.Contains($"{connection}__{part}", Settings);
            }
        }
    }

    [Fact]
    public void HostStorage_IsReachedByTheAccountsEndpoints_ForBlobsQueuesAndTables()
    {
        // The Durable Functions task hub keeps its history in tables: with service URIs the host needs one per service it
        // uses, and an account name alone would have it build public-cloud (*.core.windows.net) addresses.
        foreach (var part in new[] { "blobServiceUri", "queueServiceUri", "tableServiceUri", "credential", "clientId" })
        {
            Assert.Contains($"AzureWebJobsStorage__{part}", Settings);
        }

        Assert.DoesNotContain("AzureWebJobsStorage__accountName", Settings);
    }

    [Theory]
    // Site properties and app settings Flex Consumption rejects or has moved into functionAppConfig (the "Flex Consumption
    // plan deprecations" of the app settings reference): a deployment that sets one fails or is ignored.
    [InlineData("ftpsState")]
    [InlineData("alwaysOn")]
    [InlineData("linuxFxVersion")]
    [InlineData("netFrameworkVersion")]
    [InlineData("use32BitWorkerProcess")]
    [InlineData("functionAppScaleLimit")]
    [InlineData("preWarmedInstanceCount")]
    [InlineData("FUNCTIONS_EXTENSION_VERSION")]
    [InlineData("FUNCTIONS_WORKER_RUNTIME")]
    [InlineData("WEBSITE_RUN_FROM_PACKAGE")]
    [InlineData("WEBSITE_CONTENTSHARE")]
    [InlineData("WEBSITE_CONTENTAZUREFILECONNECTIONSTRING")]
    [InlineData("SCM_DO_BUILD_DURING_DEPLOYMENT")]
    public void FunctionApp_SetsNoPropertyFlexConsumptionRejects(string property)
    {
        var bicep = File.ReadAllText(Path.Combine(RepositoryFiles.Root(), "infra", "app", "functions.bicep"));

        Assert.DoesNotMatch(new Regex($@"^\s*{property}\s*:", RegexOptions.Multiline | RegexOptions.IgnoreCase), bicep);
        Assert.DoesNotContain(property, Settings, StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public void StorageTriggers_ConnectionName_IsNotTakenByAnAzureWebJobsSetting()
    {
        // The host resolves a connection named X as AzureWebJobsX first and as X only when that is absent; with X = Storage the
        // triggers were on AzureWebJobsStorage and never read the Storage__ settings.
        foreach (var (function, connection) in StorageTriggerConnections())
        {
            var shadow = "AzureWebJobs" + connection;
            Assert.DoesNotContain(Settings, s => s == shadow || s.StartsWith(shadow + "__", StringComparison.Ordinal));
            Assert.False(string.IsNullOrEmpty(connection), $"{function} has no connection.");
        }
    }

    [Fact]
    public void BicepAppSettings_AreEachInASectionTheHostOrTheCodeReads()
    {
        string[] sections =
        [
            "AzureWebJobsStorage", StorageOptions.SectionName, CosmosOptions.SectionName, ServiceBusOptions.SectionName,
            OpenAIOptions.SectionName, EntraApiOptions.SectionName,
        ];
        string[] plain = ["AZURE_CLIENT_ID", "RefitReliabilitiesSchedule", "APPLICATIONINSIGHTS_AUTHENTICATION_STRING", "APPLICATIONINSIGHTS_CONNECTION_STRING"];
        Assert.True(Settings.Count >= 20, $"Only {Settings.Count} settings were read from the Bicep: {string.Join(", ", Settings)}");
        foreach (var setting in Settings)
        {
            var split = setting.IndexOf("__", StringComparison.Ordinal);
            var known = split < 0 ? plain.Contains(setting) : sections.Contains(setting[..split]);
            Assert.True(known, $"The Bicep sets '{setting}', which nothing reads.");
        }
    }

    private static Dictionary<string, string> StorageTriggerConnections() =>
        Functions
            .SelectMany(f => f.Value.GetProperty("bindings").EnumerateArray().Select(b => (Function: f.Key, Binding: b)))
            .Where(x => x.Binding.GetProperty("type").GetString() is "blobTrigger" or "queueTrigger")
            .ToDictionary(x => x.Function, x => FunctionsMetadata.String(x.Binding, "connection") ?? "", StringComparer.Ordinal);

    // The keys of functions.bicep's baseAppSettings object and of the appSettings object main.bicep passes to the module.
    private static HashSet<string> BicepAppSettings()
    {
        var root = RepositoryFiles.Root();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        keys.UnionWith(ObjectKeys(File.ReadAllText(Path.Combine(root, "infra", "app", "functions.bicep")), "var baseAppSettings = {"));
        keys.UnionWith(ObjectKeys(File.ReadAllText(Path.Combine(root, "infra", "main.bicep")), "appSettings: {"));
        return keys;
    }

    private static IEnumerable<string> ObjectKeys(string bicep, string opening)
    {
        var start = bicep.IndexOf(opening, StringComparison.Ordinal);
        Assert.True(start >= 0, $"'{opening}' not found.");
        // The object's closing brace: braces counted, so a '${...}' in a value does not end it.
        var end = start + opening.Length;
        for (var depth = 1; depth > 0; end++)
        {
            Assert.True(end < bicep.Length, $"'{opening}' is not closed.");
            depth += bicep[end] switch { '{' => 1, '}' => -1, _ => 0 };
        }

        foreach (Match match in Key().Matches(bicep[(start + opening.Length)..(end - 1)]))
        {
            yield return match.Groups[1].Value;
        }
    }

    [GeneratedRegex(@"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:", RegexOptions.Multiline)]
    private static partial Regex Key();

}
