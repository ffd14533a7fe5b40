using System.Net;
using System.Text.Json.Nodes;
using Labeling.Application.Ports;
using Labeling.Application.Projects;
using Labeling.Functions.Projects;
using Labeling.Functions.Tests.Hosting;
using Labeling.TestSupport.Emulators;
using Microsoft.Extensions.DependencyInjection;

namespace Labeling.Functions.Tests.Projects;

/// <summary>
/// A <c>DELETE</c> through the Functions app whose purge outlasts its time answers 202, and the
/// <c>FinishProjectDeletions</c> timer purges the rest from Cosmos DB.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class FinishProjectDeletionsTests(AzuriteFixture azurite, CosmosEmulatorFixture cosmos)
{
    [Fact]
    public async Task Delete_OutOfItsTime_Is202_AndTheTimerPurgesTheRest()
    {
        await using var host = await FunctionsTestHost.StartAsync(azurite, cosmos, new Dictionary<string, string?> { ["Deletion:RequestTime"] = "00:00:00" });
        var services = host.Services;
        await host.CollectingDemoItemAsync();
        var purge = services.GetRequiredService<IProjectPurge>();
        using var admin = host.Client(host.Tokens.Mint("root", "Admin"));

        var response = await admin.DeleteAsync($"/api/projects/{DemoProject.Id}");

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"DELETE: {(int)response.StatusCode} {body}");
        Assert.Equal(0, JsonNode.Parse(body)!["itemsPurged"]!.GetValue<long>());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/projects/{DemoProject.Id}")).StatusCode);
        Assert.Equal([DemoProject.Id], await purge.ListDeletedAsync(CancellationToken.None));
        Assert.Single(await services.GetRequiredService<IItemStore>().ListAsync(DemoProject.Id, null, null, 10, CancellationToken.None));

        await host.Function<FinishProjectDeletionsFunction>().RunAsync(new Microsoft.Azure.Functions.Worker.TimerInfo(), CancellationToken.None);

        Assert.Empty(await purge.ListDeletedAsync(CancellationToken.None));
        Assert.Empty(await services.GetRequiredService<IItemStore>().ListAsync(DemoProject.Id, null, null, 10, CancellationToken.None));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/api/projects/{DemoProject.Id}")).StatusCode);
    }
}
