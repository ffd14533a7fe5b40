using System.Globalization;
using System.Text;
using Labeling.Application.Projects;
using Labeling.Bench.Live;
using Labeling.Domain.Items;
using Labeling.Domain.Routing;

namespace Labeling.Bench.Replay;

/// <summary>
/// A project on the live server holding one data set's items: created with the data set's labels
/// and no rules (so no machine votes), fed one CSV document <c>id,text</c> whose text is
/// <c>item {id} of {project}</c>, and mapped back from server item ids to data-set items by that text.
/// </summary>
/// <remarks>
/// The server derives item ids from the project and the text (<see cref="Item.IdFor"/>),
/// so two projects holding the same texts get distinct items and distinct <c>label.ready</c> event ids
/// (<c>{itemId}-r{revision}</c>). The project id in the text is therefore not needed to keep replays
/// apart; it only makes each item's text name the replay it belongs to.
/// </remarks>
internal sealed class ReplayProject
{
    private static readonly TimeSpan IngestTimeout = TimeSpan.FromMinutes(2);
    private readonly Dictionary<string, int> _itemOfServerId;

    private ReplayProject(string id, RecordedCrowd crowd, Dictionary<string, int> itemOfServerId)
    {
        Id = id;
        Crowd = crowd;
        _itemOfServerId = itemOfServerId;
    }

    /// <summary>The project id.</summary>
    public string Id { get; }

    /// <summary>The data set's workers and answers.</summary>
    public RecordedCrowd Crowd { get; }

    /// <summary>The data-set item index of a server item id.</summary>
    /// <exception cref="InvalidOperationException">The server named an item the upload did not create.</exception>
    public int ItemOf(string serverItemId) => _itemOfServerId.TryGetValue(serverItemId, out var item)
        ? item
        : throw new InvalidOperationException($"The server leased item '{serverItemId}', which the replay did not upload.");

    /// <summary>Creates the project, uploads the items and waits until all of them are in the crowd pool.</summary>
    /// <param name="api">The server.</param>
    /// <param name="admin">An Admin token.</param>
    /// <param name="crowd">The data set.</param>
    /// <param name="routing">Routing settings to send, or null for the server's defaults.</param>
    /// <param name="ct">Cancels the run.</param>
    public static async Task<ReplayProject> CreateAsync(LabelingApiClient api, string admin, RecordedCrowd crowd, RoutingSettings? routing, CancellationToken ct)
    {
        var id = ProjectId(crowd.Dataset.Name);
        var labels = crowd.Labels.Select(l => new LabelRequest(l, null)).ToList();
        await api.CreateProjectAsync(admin, new CreateProjectRequest(id, $"replay of {crowd.Dataset.Name}", null, labels,
            "Replay of recorded answers by the bench.", [], routing, "text"), ct).ConfigureAwait(false);
        var texts = Enumerable.Range(0, crowd.Items.Count).ToDictionary(i => TextOf(crowd.Items[i], id), StringComparer.Ordinal);
        await api.UploadAsync(admin, id, crowd.Dataset.Name + ".csv", Document(crowd, texts), ct).ConfigureAwait(false);
        await WaitForPoolAsync(api, admin, id, crowd.Items.Count, ct).ConfigureAwait(false);

        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in await api.ListItemsAsync(admin, id, ct).ConfigureAwait(false))
        {
            if (!texts.TryGetValue(item.Text, out var index)) throw new InvalidOperationException($"Project '{id}' holds item '{item.Id}' with text '{item.Text}', which the replay did not upload.");
            map[item.Id] = index;
        }
        if (map.Count != crowd.Items.Count)
            throw new InvalidOperationException($"Project '{id}' holds {map.Count} items; the upload had {crowd.Items.Count}. Are two item ids equal after trimming?");
        return new ReplayProject(id, crowd, map);
    }

    /// <summary>The text uploaded for data-set item <paramref name="item"/> of project <paramref name="projectId"/>; the server's items map back to the data set by it.</summary>
    public static string TextOf(string item, string projectId) => $"item {item} of {projectId}";

    /// <summary>Waits until the project holds <paramref name="items"/> items, none still weak-labeling.</summary>
    public static async Task WaitForPoolAsync(LabelingApiClient api, string token, string projectId, int items, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + IngestTimeout;
        while (true)
        {
            var progress = await api.ProgressAsync(token, projectId, ct).ConfigureAwait(false);
            if (progress.Items >= items && progress.ByState.GetValueOrDefault(ItemState.WeakLabeling) == 0) return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"Project '{projectId}' has {progress.Items} of {items} items after {IngestTimeout.TotalSeconds:0} s, {progress.ByState.GetValueOrDefault(ItemState.WeakLabeling)} still weak-labeling."));
            await Task.Delay(50, ct).ConfigureAwait(false);
        }
    }

    private static byte[] Document(RecordedCrowd crowd, Dictionary<string, int> texts)
    {
        var csv = new StringBuilder("id,text\n");
        foreach (var (text, i) in texts.OrderBy(t => t.Value))
            csv.Append(Quote(crowd.Items[i])).Append(',').Append(Quote(text)).Append('\n');
        return Encoding.UTF8.GetBytes(csv.ToString());
    }

    private static string ProjectId(string dataset)
    {
        var slug = new string(dataset.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        var suffix = Guid.NewGuid().ToString("N")[..8];
        return string.Create(CultureInfo.InvariantCulture, $"replay-{(slug.Length == 0 ? "data" : slug[..Math.Min(slug.Length, 40)])}-{suffix}");
    }

    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? '"' + field.Replace("\"", "\"\"", StringComparison.Ordinal) + '"' : field;
}
