using Azure.Storage.Blobs;
using Labeling.Adapters.Azure.Storage;
using Labeling.Domain.Documents;
using Labeling.TestSupport.Emulators;
using Microsoft.Extensions.Logging.Abstractions;

namespace Labeling.Adapters.Azure.Tests.Storage;

[Collection(AzuriteCollection.Name)]
public sealed class BlobDocumentSourceTests(AzuriteFixture azurite)
{
    private async Task<(BlobDocumentSource Source, StorageOptions Options)> CreateAsync()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var options = new StorageOptions { ConnectionString = azurite.ConnectionString, DocumentsContainer = "documents-" + suffix, QuarantineContainer = "quarantine-" + suffix };
        var source = new BlobDocumentSource(new StorageClients(options, new global::Azure.Identity.DefaultAzureCredential()), options, NullLogger<BlobDocumentSource>.Instance);
        await source.EnsureContainersAsync(CancellationToken.None);
        return (source, options);
    }

    [Fact]
    public async Task SaveUploadAsync_ThenOpen_ReturnsTheBytesUnderProjectPath()
    {
        var (source, _) = await CreateAsync();

        var stored = await source.SaveUploadAsync("p1", "comments.csv", new MemoryStream("text\nhello\n"u8.ToArray()), CancellationToken.None);

        Assert.Equal("p1/comments.csv", stored.Location);
        Assert.Equal(11, stored.Length);
        await using var stream = await source.OpenReadAsync(stored, CancellationToken.None);
        Assert.NotNull(stream);
        Assert.Equal("text\nhello\n", await new StreamReader(stream).ReadToEndAsync());
    }

    [Fact]
    public async Task SaveUploadAsync_SameNameTwice_KeepsBothFilesUnderTheirOwnBlobs()
    {
        // The first is the stored file of its document (ingested files stay in place); the second must not overwrite it.
        var (source, _) = await CreateAsync();

        var first = await source.SaveUploadAsync("p1", "comments.csv", new MemoryStream("text\nfirst\n"u8.ToArray()), CancellationToken.None);
        var second = await source.SaveUploadAsync("p1", "comments.csv", new MemoryStream("text\nsecond\n"u8.ToArray()), CancellationToken.None);

        Assert.Equal("p1/comments.csv", first.Location);
        Assert.Matches("^p1/comments-[0-9a-f]{12}\\.csv$", second.Location);
        Assert.Equal(("comments.csv", "comments.csv"), (first.FileName, second.FileName));
        await using var a = await source.OpenReadAsync(first, CancellationToken.None);
        await using var b = await source.OpenReadAsync(second, CancellationToken.None);
        Assert.Equal("text\nfirst\n", await new StreamReader(a!).ReadToEndAsync());
        Assert.Equal("text\nsecond\n", await new StreamReader(b!).ReadToEndAsync());
    }

    [Fact]
    public async Task ArchiveAsync_Ingested_StaysInPlaceButLeavesTheInbox()
    {
        var (source, _) = await CreateAsync();
        var a = await source.SaveUploadAsync("p1", "a.txt", new MemoryStream("a"u8.ToArray()), CancellationToken.None);
        var b = await source.SaveUploadAsync("p2", "b.txt", new MemoryStream("b"u8.ToArray()), CancellationToken.None);

        await source.ArchiveAsync(a, DocumentStatus.Ingested, null, CancellationToken.None);

        var inbox = await source.ListInboxAsync(CancellationToken.None).ToListAsync();
        var waiting = Assert.Single(inbox);
        Assert.Equal(b.Location, waiting.Location);
        Assert.Equal("p2", waiting.ProjectId);
        Assert.NotNull(await source.OpenReadAsync(a, CancellationToken.None));
    }

    [Fact]
    public async Task ArchiveAsync_Quarantined_MovesTheFileWithItsReason()
    {
        var (source, options) = await CreateAsync();
        var stored = await source.SaveUploadAsync("p1", "broken.pdf", new MemoryStream("not a pdf"u8.ToArray()), CancellationToken.None);
        const string reason = "The file is not a valid PDF (no %PDF header); export it again — or send .txt.";

        await source.ArchiveAsync(stored, DocumentStatus.Quarantined, reason, CancellationToken.None);

        Assert.Null(await source.OpenReadAsync(stored, CancellationToken.None));
        Assert.Equal(reason, await source.ReadQuarantineReasonAsync(stored.Location, CancellationToken.None));
        var quarantine = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(options.QuarantineContainer);
        Assert.Equal("not a pdf", (await quarantine.GetBlobClient("p1/broken.pdf").DownloadContentAsync()).Value.Content.ToString());
        Assert.Equal(reason + "\n", (await quarantine.GetBlobClient("p1/broken.pdf.reason.txt").DownloadContentAsync()).Value.Content.ToString());
    }

    [Fact]
    public async Task ArchiveAsync_SecondDeliveryAfterQuarantine_IsHarmless()
    {
        var (source, _) = await CreateAsync();
        var stored = await source.SaveUploadAsync("p1", "x.bin", new MemoryStream([0, 1, 2]), CancellationToken.None);
        await source.ArchiveAsync(stored, DocumentStatus.Quarantined, "binary", CancellationToken.None);

        await source.ArchiveAsync(stored, DocumentStatus.Quarantined, "binary", CancellationToken.None);

        Assert.Equal("binary", await source.ReadQuarantineReasonAsync(stored.Location, CancellationToken.None));
    }
}
