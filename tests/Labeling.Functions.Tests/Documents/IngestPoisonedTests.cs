using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Azure.Storage.Queues.Models;
using Labeling.Adapters.Azure.Storage;
using Labeling.Application.Ports;
using Labeling.Application.Projects;
using Labeling.Functions.Documents;
using Labeling.Functions.Tests.Hosting;
using Labeling.TestSupport.Emulators;
using Labeling.TestSupport.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Labeling.Functions.Tests.Documents;

/// <summary>
/// A file Ingest failed on at every attempt: the Functions host writes its name to <c>webjobs-blobtrigger-poison</c>
/// (Event Grid saw a 202 and dead-letters nothing), and <c>IngestPoisoned</c> reads that message on Azurite, logs it
/// (event 9301, the ingest-poisoned alert) and sets the file aside with a reason the project's document list shows.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class IngestPoisonedTests(AzuriteFixture azurite, CosmosEmulatorFixture cosmos)
{
    private const string Project = DemoProject.Id;
    private const string Csv = "CONTENT,CLASS\nthis song is beautiful,0\ncheck out my channel,1\n";

    [Fact]
    public async Task Poisoned_CurrentVersion_IsLoggedAndQuarantinedWithAReasonAndIngestsWhenUploadedAgain()
    {
        var logs = new LogCollector();
        await using var host = await FunctionsTestHost.StartAsync(azurite, cosmos, logs: logs);
        await host.Services.GetRequiredService<IProjectStore>().TryCreateAsync(DemoProject.Create(DateTimeOffset.UtcNow), CancellationToken.None);
        var storage = host.Services.GetRequiredService<StorageClients>();
        var fileName = $"poisoned-{Guid.NewGuid():N}.csv";
        var blob = storage.Blobs.GetBlobContainerClient("documents").GetBlobClient($"{Project}/{fileName}");
        var etag = (await blob.UploadAsync(BinaryData.FromString(Csv), overwrite: true)).Value.ETag;

        await host.Function<IngestPoisonedFunction>().RunAsync(await PoisonMessageAsync(storage, blob.Name, etag.ToString()), CancellationToken.None);

        var poisoned = Assert.Single(logs.Records, r => r.EventId.Id == 9301);
        Assert.Equal(LogLevel.Error, poisoned.Level);
        Assert.Equal("documents", poisoned.State["ContainerName"]);
        Assert.Equal(blob.Name, poisoned.State["BlobName"]);
        Assert.False(await blob.ExistsAsync());
        var quarantined = storage.Blobs.GetBlobContainerClient("quarantine").GetBlobClient(blob.Name);
        Assert.Equal(Csv, (await quarantined.DownloadContentAsync()).Value.Content.ToString());
        var document = await DocumentAsync(host, fileName);
        Assert.Equal("quarantined", document["status"]!.GetValue<string>());
        Assert.StartsWith("Ingest failed on this file at every attempt", document["reason"]!.GetValue<string>(), StringComparison.Ordinal);

        // The runbook's replay: the file uploaded again to documents/ raises BlobCreated, and Ingest reads the same bytes anew.
        await blob.UploadAsync((await quarantined.DownloadContentAsync()).Value.Content, overwrite: true);
        await host.Function<IngestFunction>().RunAsync(blob, Project, fileName, CancellationToken.None);
        document = await DocumentAsync(host, fileName);
        Assert.Equal("ingested", document["status"]!.GetValue<string>());
        Assert.Equal(2, document["itemCount"]!.GetValue<int>());
    }

    [Fact]
    public async Task Poisoned_BlobReplacedSinceItFailed_IsLoggedButTheNewVersionIsLeftToIngest()
    {
        var logs = new LogCollector();
        await using var host = await FunctionsTestHost.StartAsync(azurite, cosmos, logs: logs);
        await host.Services.GetRequiredService<IProjectStore>().TryCreateAsync(DemoProject.Create(DateTimeOffset.UtcNow), CancellationToken.None);
        var storage = host.Services.GetRequiredService<StorageClients>();
        var fileName = $"replaced-{Guid.NewGuid():N}.csv";
        var blob = storage.Blobs.GetBlobContainerClient("documents").GetBlobClient($"{Project}/{fileName}");
        var failed = (await blob.UploadAsync(BinaryData.FromString("broken"), overwrite: true)).Value.ETag;
        await blob.UploadAsync(BinaryData.FromString(Csv), overwrite: true);

        await host.Function<IngestPoisonedFunction>().RunAsync(await PoisonMessageAsync(storage, blob.Name, failed.ToString()), CancellationToken.None);

        Assert.Single(logs.Records, r => r.EventId.Id == 9301);
        Assert.Equal(Csv, (await blob.DownloadContentAsync()).Value.Content.ToString());
        Assert.False(await storage.Blobs.GetBlobContainerClient("quarantine").GetBlobClient(blob.Name).ExistsAsync());
        Assert.Null(await FindDocumentAsync(host, fileName));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{\"FunctionId\":\"Host.Functions.Ingest\",\"BlobType\":\"BlockBlob\"}")]
    public void Parse_MessageWithoutContainerAndBlob_IsNull(string message) => Assert.Null(PoisonedBlob.Parse(message));

    [Fact]
    public void Parse_TheHostsMessage_ReadsEveryField()
    {
        // The shape BlobTriggerMessage serializes (Microsoft.Azure.WebJobs.Extensions.Storage.Blobs), as the poison-blobs docs list it.
        var blob = PoisonedBlob.Parse("{\"Type\":\"BlobTrigger\",\"FunctionId\":\"Host.Functions.Ingest\",\"BlobType\":\"BlockBlob\",\"ContainerName\":\"documents\",\"BlobName\":\"demo/a.csv\",\"ETag\":\"\\\"0x8D1DC6E70A277EF\\\"\"}");
        Assert.Equal(new PoisonedBlob("Host.Functions.Ingest", "BlockBlob", "documents", "demo/a.csv", "\"0x8D1DC6E70A277EF\""), blob);
    }

    /// <summary>The message the host writes after Ingest's last attempt, put through the Azurite queue as the trigger receives it.</summary>
    private static async Task<QueueMessage> PoisonMessageAsync(StorageClients storage, string blobName, string etag)
    {
        var queue = storage.Queues.GetQueueClient(PoisonedBlob.Queue);
        await queue.CreateIfNotExistsAsync();
        var body = JsonSerializer.Serialize(new { Type = "BlobTrigger", FunctionId = "Host.Functions.Ingest", BlobType = "BlockBlob", ContainerName = "documents", BlobName = blobName, ETag = etag });
        var sent = (await queue.SendMessageAsync(body)).Value;
        // Other tests share the queue: take this message by its id.
        for (var attempt = 0; attempt < 50; attempt++)
        {
            foreach (var message in (await queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(1))).Value)
            {
                if (message.MessageId == sent.MessageId)
                {
                    await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                    return message;
                }
            }
        }

        throw new InvalidOperationException($"Message {sent.MessageId} was never received from {PoisonedBlob.Queue}.");
    }

    private static async Task<JsonNode> DocumentAsync(FunctionsTestHost host, string fileName) =>
        await FindDocumentAsync(host, fileName) ?? throw new Xunit.Sdk.XunitException($"{fileName} is not in the project's document list.");

    private static async Task<JsonNode?> FindDocumentAsync(FunctionsTestHost host, string fileName)
    {
        using var client = host.Client(host.Tokens.Mint("reviewer", "Reviewer"));
        var response = await client.GetAsync($"/api/projects/{Project}/documents");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var list = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var items = list is JsonArray array ? array : list["items"]!.AsArray();
        return items.SingleOrDefault(d => d!["fileName"]!.GetValue<string>() == fileName);
    }
}
