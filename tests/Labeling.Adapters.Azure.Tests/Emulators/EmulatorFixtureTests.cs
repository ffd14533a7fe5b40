using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Labeling.TestSupport.Emulators;
using Microsoft.Azure.Cosmos;

namespace Labeling.Adapters.Azure.Tests.Emulators;

public sealed class EmulatorFixtureTests(AzuriteFixture azurite, CosmosEmulatorFixture cosmos)
    : IClassFixture<AzuriteFixture>, IClassFixture<CosmosEmulatorFixture>
{
    [Fact]
    public async Task Azurite_BlobAndQueue_RoundTrip()
    {
        var container = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("smoke");
        await container.CreateIfNotExistsAsync();
        await container.GetBlobClient("a.txt").UploadAsync(BinaryData.FromString("hello"), overwrite: true);
        var downloaded = await container.GetBlobClient("a.txt").DownloadContentAsync();
        Assert.Equal("hello", downloaded.Value.Content.ToString());

        var queue = new QueueClient(azurite.ConnectionString, "smoke");
        await queue.CreateIfNotExistsAsync();
        await queue.SendMessageAsync("m1");
        var received = await queue.ReceiveMessageAsync();
        Assert.Equal("m1", received.Value.MessageText);
    }

    [Fact]
    public async Task CosmosServer_QueryInEachOfSixtyFourNewDatabases_Works()
    {
        // The server numbers databases as it makes them, and one in every 64 had a resource id holding '/' (the 63rd:
        // "gAA/AA=="), which a query puts in its path: 404 "failed due to stale cache" in whichever test made that database.
        // Sixty-four in a row cross one such number wherever the count stands.
        using var client = Client();
        var names = Enumerable.Range(0, 64).Select(n => $"rid-{Guid.NewGuid():N}").ToList();
        try
        {
            foreach (var name in names)
            {
                var container = (await (await client.CreateDatabaseAsync(name)).Database.CreateContainerAsync("things", "/id")).Container;
                await container.UpsertItemAsync(new { id = "1", n = 42 }, new PartitionKey("1"));
                using var query = container.GetItemQueryIterator<Newtonsoft.Json.Linq.JObject>(
                    new QueryDefinition("SELECT * FROM c WHERE c.id = @pk").WithParameter("@pk", "1"), requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey("1") });
                Assert.Single(await query.ReadNextAsync());
            }
        }
        finally
        {
            foreach (var name in names)
            {
                try
                {
                    await client.GetDatabase(name).DeleteAsync();
                }
                catch (CosmosException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
                {
                    // Not made: the loop stopped before it.
                }
            }
        }
    }

    [Fact]
    public async Task CosmosServer_UpsertAndRead_RoundTrip()
    {
        using var client = Client();
        var db = (await client.CreateDatabaseIfNotExistsAsync("smoke")).Database;
        var container = (await db.CreateContainerIfNotExistsAsync("things", "/id")).Container;
        await container.UpsertItemAsync(new { id = "1", value = 42 }, new PartitionKey("1"));
        var read = await container.ReadItemAsync<Newtonsoft.Json.Linq.JObject>("1", new PartitionKey("1"));
        Assert.Equal(42, (int)read.Resource["value"]!);
    }

    private CosmosClient Client() =>
        new(cosmos.ConnectionString, new CosmosClientOptions
        {
            ConnectionMode = ConnectionMode.Gateway,
            LimitToEndpoint = true,
            HttpClientFactory = () => new HttpClient(new HttpClientHandler
            {
                // The emulator's certificate is self-signed; trust it for this endpoint only.
                ServerCertificateCustomValidationCallback = (request, _, _, _) => request.RequestUri?.Port == cosmos.Endpoint.Port,
            }),
        });
}
