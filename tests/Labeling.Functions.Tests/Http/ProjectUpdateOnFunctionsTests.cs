using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Labeling.Application.Documents;
using Labeling.Application.Ports;
using Labeling.Application.Projects;
using Labeling.Application.WeakLabeling;
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
        await services.GetRequiredService<IProjectStore>().TryCreateAsync(DemoProject.Create(DateTimeOffset.UtcNow), CancellationToken.None);
        var csv = "CONTENT,CLASS\nthis song is beautiful,0\n";
        var stored = await services.GetRequiredService<IDocumentSource>().SaveUploadAsync(project, "one.csv", new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv)), CancellationToken.None);
        await services.GetRequiredService<DocumentIngestion>().IngestAsync(stored, CancellationToken.None);
        var items = services.GetRequiredService<IItemStore>();
        var item = Assert.Single(await items.ListAsync(project, null, null, 10, CancellationToken.None));
        await services.GetRequiredService<WeakLabeler>().LabelAsync(project, [item.Id], CancellationToken.None);

        // One vote loads the project's model at version 1 (the demo's five votes at most; two disagreeing ones do not end it).
        await VoteAsync(host, "ann", "ham");

        using var admin = host.Client(host.Tokens.Mint("root", "Admin"));
        var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/projects/{project}") { Content = JsonContent.Create(new { routing = new { maxCrowdVotes = 2 } }) };
        request.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        var response = await admin.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"PATCH: {(int)response.StatusCode} {body}");
        Assert.Equal("\"2\"", response.Headers.ETag?.Tag);
        Assert.Equal(2, JsonNode.Parse(body)!["routing"]!["maxCrowdVotes"]!.GetValue<int>());
        Assert.Equal(2, (await services.GetRequiredService<IProjectStore>().GetCurrentAsync(project, CancellationToken.None))!.Version);

        await VoteAsync(host, "bob", "spam");

        var after = (await items.GetAsync(project, item.Id, CancellationToken.None))!;
        Assert.Equal((ItemState.NeedsReview, 2), (after.State, after.CrowdVotes));
    }

    private static async Task VoteAsync(FunctionsTestHost host, string worker, string label)
    {
        using var client = host.Client(host.Tokens.Mint(worker, "Labeler"));
        var next = await client.GetAsync($"/api/projects/{DemoProject.Id}/tasks/next");
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        var task = JsonNode.Parse(await next.Content.ReadAsStringAsync())!;
        var vote = await client.PostAsJsonAsync($"/api/tasks/{task["leaseId"]!.GetValue<string>()}/votes", new { label });
        Assert.True(vote.StatusCode == HttpStatusCode.OK, $"vote: {(int)vote.StatusCode} {await vote.Content.ReadAsStringAsync()}");
    }
}
