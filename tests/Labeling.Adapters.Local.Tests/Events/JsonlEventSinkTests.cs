using System.Text.Json;
using Labeling.Adapters.Local.Events;
using Labeling.Application.Ports;

namespace Labeling.Adapters.Local.Tests.Events;

/// <summary>The events file stays one whole event per line, whatever happened to the line before.</summary>
public sealed class JsonlEventSinkTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("labeling-jsonl-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Deliver_TwoEvents_OneLineEach_InTheFolderItCreates()
    {
        var path = Path.Combine(_folder, "events", "label-ready.jsonl");
        var sink = new JsonlEventSink(path);

        await sink.DeliverAsync(Event("itm_1-r1"), CancellationToken.None);
        await sink.DeliverAsync(Event("itm_2-r1"), CancellationToken.None);

        Assert.Equal(["itm_1-r1", "itm_2-r1"], File.ReadAllLines(path).Select(Id));
    }

    [Fact]
    public async Task Deliver_AfterALineCutShort_StartsTheEventOnALineOfItsOwn()
    {
        // A server killed in the middle of a write (or a disk that filled under it) left half a line; the next event was
        // appended to it, and that whole line was lost to any reader that skips lines it cannot parse.
        var path = Path.Combine(_folder, "label-ready.jsonl");
        var sink = new JsonlEventSink(path);
        await sink.DeliverAsync(Event("itm_1-r1"), CancellationToken.None);
        await File.AppendAllTextAsync(path, "{\"specversion\":\"1.0\",\"id\":\"itm_2-r");

        await sink.DeliverAsync(Event("itm_2-r1"), CancellationToken.None);

        var lines = File.ReadAllLines(path);
        Assert.Equal(3, lines.Length);
        Assert.Equal("itm_1-r1", Id(lines[0]));
        Assert.Equal("{\"specversion\":\"1.0\",\"id\":\"itm_2-r", lines[1]);
        Assert.Equal("itm_2-r1", Id(lines[2]));
    }

    [Fact]
    public async Task Deliver_ToAFileRenamedAway_StartsANewFile()
    {
        // What logrotate does without copytruncate: the sink opens the file for each event, so it follows the name.
        var path = Path.Combine(_folder, "label-ready.jsonl");
        var sink = new JsonlEventSink(path);
        await sink.DeliverAsync(Event("itm_1-r1"), CancellationToken.None);
        File.Move(path, path + ".1");

        await sink.DeliverAsync(Event("itm_2-r1"), CancellationToken.None);

        Assert.Equal(["itm_1-r1"], File.ReadAllLines(path + ".1").Select(Id));
        Assert.Equal(["itm_2-r1"], File.ReadAllLines(path).Select(Id));
    }

    [Fact]
    public async Task SyncAsync_SyncsTheRoundsLinesOnce_AndTheFileNameWhenTheFileIsNew()
    {
        // Flushed only, a line was in the page cache when its event was marked delivered: a power cut could lose it for
        // good. The round's lines are synced at its end, before the dispatcher records them, with a new file's name.
        var path = Path.Combine(_folder, "events", "label-ready.jsonl");
        var synced = new List<string>();
        var sink = new JsonlEventSink(path)
        {
            SyncContents = stream => synced.Add($"contents:{stream.Length}"),
            SyncFolder = folder => synced.Add($"folder:{Path.GetFileName(folder)}"),
        };

        await sink.DeliverAsync(Event("itm_1-r1"), CancellationToken.None);
        await sink.DeliverAsync(Event("itm_2-r1"), CancellationToken.None);
        Assert.Empty(synced);
        await sink.SyncAsync(CancellationToken.None);
        var two = new FileInfo(path).Length;
        await sink.DeliverAsync(Event("itm_3-r1"), CancellationToken.None);
        await sink.SyncAsync(CancellationToken.None);
        await sink.SyncAsync(CancellationToken.None); // nothing written since: nothing to sync

        var folder = Path.GetFileName(_folder);
        Assert.Equal([$"contents:{two}", "folder:events", $"folder:{folder}", $"contents:{new FileInfo(path).Length}"], synced);
        Assert.Equal(["itm_1-r1", "itm_2-r1", "itm_3-r1"], File.ReadAllLines(path).Select(Id));
    }

    [Fact]
    public async Task Deliver_AfterARotationInTheRound_SyncsTheOldFileAndStartsTheNewOne()
    {
        var path = Path.Combine(_folder, "label-ready.jsonl");
        var synced = new List<string>();
        var sink = new JsonlEventSink(path)
        {
            SyncContents = stream => synced.Add($"contents:{stream.Name}:{stream.Length}"),
            SyncFolder = _ => synced.Add("folder"),
        };
        await sink.DeliverAsync(Event("itm_1-r1"), CancellationToken.None);
        var one = new FileInfo(path).Length;
        File.Move(path, path + ".1");

        await sink.DeliverAsync(Event("itm_2-r1"), CancellationToken.None);
        await sink.SyncAsync(CancellationToken.None);

        // The old file is still open under its new name: synced by the handle, then closed.
        Assert.Equal([$"contents:{path}:{one}", "folder", $"contents:{path}:{one}", "folder"], synced); // the folder was there before
        Assert.Equal(["itm_1-r1"], File.ReadAllLines(path + ".1").Select(Id));
        Assert.Equal(["itm_2-r1"], File.ReadAllLines(path).Select(Id));
    }

    [Fact]
    public async Task SyncAsync_WhenTheSyncFails_SaysSo_AndTheNextRoundSyncsTheNameAgain()
    {
        // A sync that fails leaves the round's lines' fate unknown: the dispatcher records none of them and sends them
        // again, and the next round syncs the file's name as well as its lines.
        var path = Path.Combine(_folder, "label-ready.jsonl");
        var folderSyncs = 0;
        var failFolder = true;
        var sink = new JsonlEventSink(path)
        {
            SyncContents = _ => { },
            SyncFolder = _ =>
            {
                folderSyncs++;
                if (failFolder)
                {
                    throw new IOException("EIO");
                }
            },
        };

        await sink.DeliverAsync(Event("itm_1-r1"), CancellationToken.None);
        await Assert.ThrowsAsync<IOException>(() => sink.SyncAsync(CancellationToken.None));
        failFolder = false;
        await sink.DeliverAsync(Event("itm_1-r1"), CancellationToken.None);
        await sink.SyncAsync(CancellationToken.None);

        Assert.Equal(["itm_1-r1", "itm_1-r1"], File.ReadAllLines(path).Select(Id)); // at-least-once
        Assert.Equal(2, folderSyncs);
    }

    [Fact]
    public async Task Deliver_WithTheRealSync_WritesTheLine()
    {
        var path = Path.Combine(_folder, "events", "label-ready.jsonl");
        var sink = new JsonlEventSink(path);

        await sink.DeliverAsync(Event("itm_1-r1"), CancellationToken.None);
        await sink.SyncAsync(CancellationToken.None);

        Assert.Equal(["itm_1-r1"], File.ReadAllLines(path).Select(Id));
    }

    private static OutboxEvent Event(string id) =>
        new(id, "p", id.Split('-')[0], "label.ready", JsonSerializer.Serialize(new { specversion = "1.0", id }), DateTimeOffset.UnixEpoch);

    private static string Id(string line)
    {
        using var json = JsonDocument.Parse(line);
        return json.RootElement.GetProperty("id").GetString()!;
    }
}
