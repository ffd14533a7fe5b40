using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Labeling.Application.Ports;
using Labeling.Application.Projects;
using Labeling.Domain.Items;
using Labeling.Functions.Tests.Hosting;
using Labeling.TestSupport.Emulators;
using Microsoft.Extensions.DependencyInjection;

namespace Labeling.Functions.Tests.Http;

/// <summary>
/// <c>PATCH /api/projects/{id}</c> through the Functions app, on Cosmos DB: the change is stored with its version, and the
/// next vote of an item whose project model was loaded at the old version is routed by the new one.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class ProjectUpdateOnFunctionsTests(AzuriteFixture azurite, CosmosEmulatorFixture cosmos)
{
    [Fact]
    public async Task Patch_MaxCrowdVotes_IsStoredAndRoutesTheNextVote()
    {
        await using var host = await FunctionsTestHost.StartAsync(azurite, cosmos);
        var services = host.Services;
        const string project = DemoProject.Id;
        var itemId = await host.CollectingDemoItemAsync();
        var items = services.GetRequiredService<IItemStore>();

        // One vote loads the project's model at version 1 (the demo's five votes at most; two disagreeing ones do not end it).
        await host.LeaseAndVoteAsync("ann", "ham");

        using var admin = host.Client(host.Tokens.Mint("root", "Admin"));
        var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/projects/{project}") { Content = JsonContent.Create(new { routing = new { maxCrowdVotes = 2 } }) };
        request.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        var response = await admin.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"PATCH: {(int)response.StatusCode} {body}");
        Assert.Equal("\"2\"", response.Headers.ETag?.Tag);
        Assert.Equal(2, JsonNode.Parse(body)!["routing"]!["maxCrowdVotes"]!.GetValue<int>());
        Assert.Equal(2, (await services.GetRequiredService<IProjectStore>().GetCurrentAsync(project, CancellationToken.None))!.Version);

        await host.LeaseAndVoteAsync("bob", "spam");

        var after = (await items.GetAsync(project, itemId, CancellationToken.None))!;
        Assert.Equal((ItemState.NeedsReview, 2), (after.State, after.CrowdVotes));
    }
}
