using System.Text;
using Labeling.Server.Tests.Support;

namespace Labeling.Server.Tests.Hosting;

/// <summary>
/// An upload stored by a server killed before it had ingested it is ingested at the next start: before, it stayed in
/// uploads/ for good, and the items it had put in the pool had no document record (found by a fault-injection pass).
/// </summary>
public sealed class LeftUploadTests : IDisposable
{
    private readonly ServerFactory _server = new(new Dictionary<string, string?> { ["Labeling:CreateDemoProject"] = "true" });

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Start_WithAnUploadLeftInUploads_IngestsItUnderItsOwnName()
    {
        var uploads = Path.Combine(_server.DataDirectory, "uploads", "demo");
        Directory.CreateDirectory(uploads);
        var left = Path.Combine(uploads, $"{Guid.NewGuid():N}-comments.csv");
        await File.WriteAllTextAsync(left, "CONTENT,CLASS\nfirst comment left behind,0\nsecond comment left behind,1\n", Encoding.UTF8);

        var admin = _server.ClientAs("root", "Admin"); // starts the server
        var document = await Api.WaitForOneDocumentAsync(admin, "demo", "the upload left in uploads/ was not ingested");
        Assert.Equal(("ingested", 2, "comments.csv"), (document["status"]!.GetValue<string>(), document["itemCount"]!.GetValue<int>(), document["fileName"]!.GetValue<string>()));
        Assert.False(File.Exists(left));
        await Api.WaitForWeakLabelingAsync(admin, "demo", 2);
    }
}
