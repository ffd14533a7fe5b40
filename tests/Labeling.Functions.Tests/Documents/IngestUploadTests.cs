using Azure.Storage.Blobs;
using Labeling.Adapters.Azure.Storage;
using Labeling.Application.Documents;
using Labeling.Application.Ports;
using Labeling.Application.Projects;
using Labeling.Domain.Documents;
using Labeling.Functions.Documents;
using Labeling.Functions.Tests.Hosting;
using Labeling.TestSupport.Emulators;
using Microsoft.Extensions.DependencyInjection;

namespace Labeling.Functions.Tests.Documents;

/// <summary>
/// A file the upload endpoint saves fires the Ingest trigger too, while the request ingests it: the trigger leaves it to
/// the request (which was answered "already known" when the trigger got there first, with a record naming the stored blob),
/// and takes it over, under the name it was sent under, only when the request's instance stopped before ingesting it.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class IngestUploadTests(AzuriteFixture azurite, CosmosEmulatorFixture cosmos)
{
    private const string Project = DemoProject.Id;

    [Fact]
    public async Task Ingest_FiredByAnUploadWhileItsRequestIngestsIt_LeavesItToTheRequest()
    {
        await using var host = await FunctionsTestHost.StartAsync(azurite, cosmos);
        var blob = await UploadAsync(host, $"CONTENT,CLASS\nleft to the request {Guid.NewGuid():N},0\n");

        // The trigger starts first, as Event Grid may deliver before the request gets on with it, and has two seconds to
        // itself (time enough to ingest the file, which it did).
        var trigger = host.Function<IngestFunction>().RunAsync(blob.Client, Project, blob.Name, CancellationToken.None);
        await Task.WhenAny(trigger, Task.Delay(TimeSpan.FromSeconds(2)));
        Assert.False(trigger.IsCompleted, "the trigger finished before the request had ingested the upload");
        var answered = await host.Services.GetRequiredService<DocumentIngestion>().IngestAsync(blob.Stored, CancellationToken.None);
        await trigger.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(answered!.AlreadyKnown);
        Assert.Equal(("comments.csv", DocumentStatus.Ingested, 1), (answered.Document.FileName, answered.Document.Status, answered.Document.ItemCount));
        Assert.Single(await host.Services.GetRequiredService<IDocumentStore>().ListAsync(Project, CancellationToken.None), d => d.Id == answered.Document.Id);
    }

    [Fact]
    public async Task Ingest_AnUploadItsRequestNeverIngested_IngestsItUnderTheNameItWasSentUnder()
    {
        await using var host = await FunctionsTestHost.StartAsync(azurite, cosmos, new Dictionary<string, string?> { ["LabelingStorage:UploadIngestWait"] = "00:00:00" });
        // The same name twice: the second file is stored under a unique blob name, and its document must still say comments.csv.
        await UploadAsync(host, $"CONTENT,CLASS\nfirst of the name {Guid.NewGuid():N},0\n");
        var second = await UploadAsync(host, $"CONTENT,CLASS\nsecond of the name {Guid.NewGuid():N},0\n");
        Assert.NotEqual($"{Project}/comments.csv", second.Stored.Location);

        await host.Function<IngestFunction>().RunAsync(second.Client, Project, second.Name, CancellationToken.None);

        var documents = await host.Services.GetRequiredService<IDocumentStore>().ListAsync(Project, CancellationToken.None);
        var document = Assert.Single(documents, d => d.Status == DocumentStatus.Ingested);
        Assert.Equal("comments.csv", document.FileName);
    }

    // The upload endpoint's first step: the file saved as a blob (the request then ingests it).
    private static async Task<(BlobClient Client, string Name, StoredDocument Stored)> UploadAsync(FunctionsTestHost host, string csv)
    {
        await host.Services.GetRequiredService<IProjectStore>().TryCreateAsync(DemoProject.Create(DateTimeOffset.UtcNow), CancellationToken.None);
        var source = host.Services.GetRequiredService<IDocumentSource>();
        var stored = await source.SaveUploadAsync(Project, "comments.csv", new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv)), CancellationToken.None);
        var client = host.Services.GetRequiredService<StorageClients>().Blobs.GetBlobContainerClient("documents").GetBlobClient(stored.Location);
        return (client, stored.Location[(Project.Length + 1)..], stored);
    }
}
