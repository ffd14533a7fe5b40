using System.Net;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Labeling.Adapters.Azure.Storage;
using Labeling.Application.Documents;
using Labeling.Application.Ports;
using Labeling.Application.Projects;
using Labeling.Functions.Projects;
using Labeling.Functions.Tests.Hosting;
using Labeling.TestSupport.Emulators;
using Microsoft.Extensions.DependencyInjection;

namespace Labeling.Functions.Tests.Projects;

/// <summary>
/// A <c>DELETE</c> through the Functions app whose purge outlasts its time answers 202, and the
/// <c>FinishProjectDeletions</c> timer purges the rest from Cosmos DB and the project's blobs from Storage.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class FinishProjectDeletionsTests(AzuriteFixture azurite, CosmosEmulatorFixture cosmos)
{
    [Fact]
    public async Task Purge_DeletesTheProjectsBlobsInEveryContainer_AndNoneOfAProjectWhoseIdItBegins()
    {
        await using var host = await FunctionsTestHost.StartAsync(azurite, cosmos);
        var services = host.Services;
        var doomed = "gone-" + Guid.NewGuid().ToString("N")[..8];
        var kept = doomed + "-2";
        var blobs = services.GetRequiredService<StorageClients>().Blobs;
        var storage = services.GetRequiredService<StorageOptions>();
        var quarantine = blobs.GetBlobContainerClient(storage.QuarantineContainer);
        var reports = blobs.GetBlobContainerClient(storage.ReportsContainer);
        await quarantine.CreateIfNotExistsAsync();
        await reports.CreateIfNotExistsAsync();
        foreach (var project in new[] { doomed, kept })
        {
            Assert.True(await services.GetRequiredService<IProjectStore>().TryCreateAsync(DemoProject.Create(DateTimeOffset.UtcNow) with { Id = project }, CancellationToken.None));
            var stored = await services.GetRequiredService<IDocumentSource>().SaveUploadAsync(
                project, "comments.csv", new MemoryStream(System.Text.Encoding.UTF8.GetBytes($"CONTENT,CLASS\na comment of {project},0\n")), CancellationToken.None);
            await services.GetRequiredService<DocumentIngestion>().IngestAsync(stored, CancellationToken.None);
            await quarantine.UploadBlobAsync($"{project}/bad.pdf", BinaryData.FromString("not a pdf"));
            await quarantine.UploadBlobAsync($"{project}/bad.pdf.reason.txt", BinaryData.FromString("not a pdf"));
            await reports.UploadBlobAsync($"drift/{project}/20261203T120000Z.json", BinaryData.FromString("{}"));
        }

        using var admin = host.Client(host.Tokens.Mint("root", "Admin"));
        var response = await admin.DeleteAsync($"/api/projects/{doomed}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var documents = blobs.GetBlobContainerClient(storage.DocumentsContainer);
        Assert.Equal(0, await CountAsync(documents, $"{doomed}/"));
        Assert.Equal(0, await CountAsync(quarantine, $"{doomed}/"));
        Assert.Equal(0, await CountAsync(reports, $"drift/{doomed}/"));
        Assert.Equal(1, await CountAsync(documents, $"{kept}/"));
        Assert.Equal(2, await CountAsync(quarantine, $"{kept}/"));
        Assert.Equal(1, await CountAsync(reports, $"drift/{kept}/"));
    }

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

    private static async Task<int> CountAsync(BlobContainerClient container, string prefix)
    {
        var count = 0;
        await foreach (var _ in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, prefix, CancellationToken.None))
        {
            count++;
        }

        return count;
    }
}
