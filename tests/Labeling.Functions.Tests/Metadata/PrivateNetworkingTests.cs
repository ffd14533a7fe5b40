using System.Text.Json;
using System.Text.RegularExpressions;
using Labeling.TestSupport;

namespace Labeling.Functions.Tests.Metadata;

/// <summary>
/// The opt-in private network of infra/ (<c>privateNetworking</c>, <c>PRIVATE_NETWORKING</c>): what it must keep true that
/// a deployment would only reveal in Azure. A service given a private endpoint but left open to the internet, a storage
/// firewall hardened until Event Grid can no longer write dead letters, or a switch azd never passes.
/// </summary>
public sealed partial class PrivateNetworkingTests
{
    private static readonly string MainBicep = RepositoryFiles.ReadAllText("infra", "main.bicep");

    [Fact]
    public void PrivateEndpointTargets_CloseTheirPublicEndpoint_WithTheSameSwitch()
    {
        var moduleFiles = ModuleDeclaration().Matches(MainBicep).ToDictionary(m => m.Groups["symbol"].Value, m => m.Groups["file"].Value, StringComparer.Ordinal);
        var endpoints = ModuleDeclaration().Matches(MainBicep).Where(m => m.Groups["file"].Value == "app/private-endpoint.bicep").ToArray();
        var targets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in endpoints)
        {
            var block = Block(MainBicep, endpoint.Index);
            Assert.True(block.Contains("if (privateNetworking", StringComparison.Ordinal), $"Private endpoint module '{endpoint.Groups["symbol"].Value}' is deployed without privateNetworking.");
            targets.Add(TargetResource().Match(block).Groups[1].Value);
        }

        // The four services the private network keeps off the internet: storage (blob, queue, table), Cosmos DB, Service Bus,
        // Azure OpenAI.
        Assert.Superset(new HashSet<string>(["storage", "cosmos", "serviceBus", "openAi"], StringComparer.Ordinal), targets);
        foreach (var target in targets)
        {
            var call = Block(MainBicep, MainBicep.IndexOf($"module {target} '", StringComparison.Ordinal));
            Assert.True(call.Contains("privateNetworking: privateNetworking", StringComparison.Ordinal), $"main.bicep gives '{target}' a private endpoint but does not pass it privateNetworking.");

            var module = RepositoryFiles.ReadAllText("infra", moduleFiles[target]);
            Assert.Contains("param privateNetworking bool = false", module, StringComparison.Ordinal);
            Assert.True(ClosedBySwitch().IsMatch(module), $"{moduleFiles[target]} gets a private endpoint but leaves its public endpoint open: it sets neither publicNetworkAccess nor the firewall's defaultAction from privateNetworking.");
        }
    }

    [Fact]
    public void StorageFirewall_LetsEventGridWriteDeadLetters_WithTheTopicsOwnIdentity()
    {
        // Event Grid cannot use a private endpoint: it reaches the firewalled account through the trusted-service
        // exception, which public network access 'Disabled' would close, and only with a system-assigned identity.
        var storage = RepositoryFiles.ReadAllText("infra", "app", "storage.bicep");
        Assert.Contains("publicNetworkAccess: 'Enabled'", storage, StringComparison.Ordinal);
        Assert.Contains("bypass: 'AzureServices'", storage, StringComparison.Ordinal);

        var topic = RepositoryFiles.ReadAllText("infra", "app", "eventgrid.bicep");
        Assert.Matches(@"identity:\s*\{\s*type:\s*'SystemAssigned'", topic);

        var subscription = RepositoryFiles.ReadAllText("infra", "scripts", "subscribe-blob-events.sh");
        Assert.Matches(@"""deadLetterWithResourceIdentity"":\s*\{\s*""identity"":\s*\{\s*""type"":\s*""SystemAssigned""", subscription);
    }

    [Fact]
    public void FunctionsSubnet_IsDelegatedAsFlexConsumptionRequires()
    {
        var network = RepositoryFiles.ReadAllText("infra", "app", "network.bicep");

        // Microsoft.Web/serverFarms, the Premium and Dedicated plans' delegation, makes the integration fail.
        var delegations = Delegation().Matches(network).Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(["Microsoft.App/environments"], delegations);
        var subnets = SubnetName().Matches(network);
        Assert.Equal(2, subnets.Count);
        foreach (Match subnet in subnets)
        {
            Assert.False(subnet.Groups[1].Value.Contains('_', StringComparison.Ordinal), $"Flex Consumption rejects subnet '{subnet.Groups[1].Value}': no underscores.");
        }
    }

    [Fact]
    public void AzdParameters_PassThePrivateNetworkSettings_OffByDefault()
    {
        using var parameters = JsonDocument.Parse(RepositoryFiles.ReadAllText("infra", "main.parameters.json"));
        string Value(string name) => parameters.RootElement.GetProperty("parameters").GetProperty(name).GetProperty("value").GetString()!;

        Assert.Equal("${PRIVATE_NETWORKING=false}", Value("privateNetworking"));
        Assert.Contains("param privateNetworking bool = false", MainBicep, StringComparison.Ordinal);

        // The azd default and the Bicep default are one address space, not two that drift apart.
        var bicepDefault = AddressPrefixDefault().Match(MainBicep).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(bicepDefault), "main.bicep has no default for virtualNetworkAddressPrefix.");
        Assert.Equal($"${{VIRTUAL_NETWORK_ADDRESS_PREFIX={bicepDefault}}}", Value("virtualNetworkAddressPrefix"));
    }

    // The text from `start` to the end of the first brace-delimited body after it (a module call with its params).
    private static string Block(string bicep, int start)
    {
        Assert.True(start >= 0, "Block not found in main.bicep.");
        var open = bicep.IndexOf('{', start);
        var end = open + 1;
        for (var depth = 1; depth > 0; end++)
        {
            Assert.True(end < bicep.Length, "Unclosed block in main.bicep.");
            depth += bicep[end] switch { '{' => 1, '}' => -1, _ => 0 };
        }

        return bicep[start..end];
    }

    [GeneratedRegex(@"^module (?<symbol>\w+) '(?<file>[^']+)'", RegexOptions.Multiline)]
    private static partial Regex ModuleDeclaration();

    [GeneratedRegex(@"targetResourceId: (\w+)!?\.outputs\.id")]
    private static partial Regex TargetResource();

    [GeneratedRegex(@"^\s*(publicNetworkAccess|defaultAction): privateNetworking \? '(Disabled|Deny)'", RegexOptions.Multiline)]
    private static partial Regex ClosedBySwitch();

    [GeneratedRegex(@"serviceName: '([^']+)'")]
    private static partial Regex Delegation();

    [GeneratedRegex(@"SubnetName = '([^']+)'")]
    private static partial Regex SubnetName();

    [GeneratedRegex(@"^param virtualNetworkAddressPrefix string = '([^']+)'", RegexOptions.Multiline)]
    private static partial Regex AddressPrefixDefault();
}
