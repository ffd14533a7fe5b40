using System.Globalization;
using Labeling.Application.Ingestion;
using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Application.WeakLabeling;
using Labeling.Domain.Items;
using Microsoft.Extensions.Options;

namespace Labeling.Application.Gold;

/// <summary>
/// Seeds gold items: items with a known label, served to the crowd like any other. Their truth clamps
/// their posterior, so workers' votes on them train the workers' reliabilities (and the rules').
/// </summary>
public sealed class GoldSeeding
{
    private const int MaxItems = 10_000;

    /// <summary>Longest external id of a gold item.</summary>
    public const int MaxExternalIdLength = 200;

    private readonly IProjectStore _projects;
    private readonly IItemStore _items;
    private readonly WeakLabeler _weakLabeler;
    private readonly TimeProvider _time;
    private readonly int _maxItemCharacters;

    /// <summary>Creates the use case.</summary>
    public GoldSeeding(IProjectStore projects, IItemStore items, WeakLabeler weakLabeler, TimeProvider time, IOptions<IngestionOptions> ingestion)
    {
        ArgumentNullException.ThrowIfNull(ingestion);
        _projects = projects;
        _items = items;
        _weakLabeler = weakLabeler;
        _time = time;
        _maxItemCharacters = ingestion.Value.MaxItemCharacters;
    }

    /// <summary>Adds the gold items; texts already in the project are reported as duplicates.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="request">The items.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>What was created.</returns>
    public async Task<GoldSeedResult> SeedAsync(string projectId, GoldSeedRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var project = await _projects.GetAsync(projectId, cancellationToken).ConfigureAwait(false)
            ?? throw NotFoundException.Project(projectId);
        if (request.Items is not { Count: > 0 } requested)
        {
            throw new InvalidRequestException("items", "Send at least one gold item: {\"items\":[{\"text\":\"...\",\"label\":\"...\"}]}.");
        }

        if (requested.Count > MaxItems)
        {
            throw new InvalidRequestException("items", string.Create(CultureInfo.InvariantCulture, $"Send at most {MaxItems:N0} gold items per request; split the list."));
        }

        var texts = requested.Select(g => string.IsNullOrWhiteSpace(g?.Text) ? null : ContentHash.Normalize(g.Text)).ToArray();
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var firstWithText = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < requested.Count; i++)
        {
            var g = requested[i];
            var at = "items[" + i.ToString(CultureInfo.InvariantCulture) + "]";
            if (g is null)
            {
                errors[at] = ["Give each gold item as an object: {\"text\":\"...\",\"label\":\"...\"}."];
                continue;
            }

            if (texts[i] is { } text && !firstWithText.TryAdd(text, i) && requested[firstWithText[text]].Label != g.Label)
            {
                // One of the two would be dropped without a word: a gold item has one known label.
                errors[at + ".label"] = [string.Create(CultureInfo.InvariantCulture, $"items[{firstWithText[text]}] has the same text with the label '{InvalidRequestException.Echo(requested[firstWithText[text]].Label)}'; a gold item has one label. Send the text once.")];
            }

            // Control characters alone are no text a worker could read.
            if (string.IsNullOrWhiteSpace(g.Text) || texts[i]!.All(c => char.IsControl(c) || char.IsWhiteSpace(c)))
            {
                errors[at + ".text"] = ["Give the item's text."];
            }
            else if (texts[i]!.Contains('\0', StringComparison.Ordinal))
            {
                // As in an uploaded file, where a NUL is no text (it counts as unreadable).
                errors[at + ".text"] = ["The text holds a NUL character; send the text without it."];
            }
            else if (texts[i]!.Length > _maxItemCharacters)
            {
                // A document's long text is split into items; a gold label belongs to the whole text, so it cannot be.
                errors[at + ".text"] = [string.Create(CultureInfo.InvariantCulture, $"The text has {texts[i]!.Length:N0} characters; an item holds at most {_maxItemCharacters:N0} (Ingestion:MaxItemCharacters). Seed shorter texts.")];
            }

            if (g.ExternalId?.Length > MaxExternalIdLength)
            {
                errors[at + ".externalId"] = [string.Create(CultureInfo.InvariantCulture, $"The external id has {g.ExternalId.Length:N0} characters; the most is {MaxExternalIdLength}.")];
            }
            else if (g.ExternalId?.Any(char.IsControl) == true)
            {
                // An id is joined back to the team's own rows and shown in exports and logs: no line breaks, NULs or escapes.
                errors[at + ".externalId"] = ["The external id holds a control character (a line break, tab, NUL or escape); send it without."];
            }

            if (!project.Schema.Contains(g.Label))
            {
                errors[at + ".label"] = [$"'{InvalidRequestException.Echo(g.Label)}' is not a label of this project; use one of [{string.Join(", ", project.Schema.Names)}]."];
            }
        }

        if (errors.Count > 0)
        {
            throw new InvalidRequestException(errors);
        }

        var now = _time.GetUtcNow();
        var items = requested.Select((g, i) =>
        {
            var text = texts[i]!;
            var hash = ContentHash.OfText(text);
            return new Item(project.Id, Item.IdFor(project.Id, hash), null, string.Create(CultureInfo.InvariantCulture, $"gold-{i}"), g.ExternalId, text, hash, ItemState.WeakLabeling,
                g.Label, null, null, null, null, 0, 0, 0, 1, now, now, "Gold item waiting for machine labelers.");
        }).ToArray();
        var added = await _items.AddNewAsync(items, cancellationToken).ConfigureAwait(false);
        await _weakLabeler.EnqueueAsync(project.Id, added, string.Create(CultureInfo.InvariantCulture, $"gold:{project.Id}:{now.ToUnixTimeMilliseconds()}"), cancellationToken).ConfigureAwait(false);
        var addedSet = added.ToHashSet(StringComparer.Ordinal);

        // A text already there was reported only as a duplicate: an item that was not gold stayed so, and gold with another
        // label kept its first, without a word to the admin who asked for this label.
        var conflicts = new List<GoldSeedConflict>();
        for (var i = 0; i < items.Length; i++)
        {
            if (addedSet.Contains(items[i].Id) || await _items.GetAsync(project.Id, items[i].Id, cancellationToken).ConfigureAwait(false) is not { } existing)
            {
                continue;
            }

            if (existing.GoldLabel is null)
            {
                conflicts.Add(new GoldSeedConflict(i, existing.Id,
                    $"The text is already an item of the project that is not gold ({System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(existing.State.ToString())}); it is not made gold, and its votes decide it."));
            }
            else if (!string.Equals(existing.GoldLabel, items[i].GoldLabel, StringComparison.Ordinal))
            {
                conflicts.Add(new GoldSeedConflict(i, existing.Id,
                    $"The text is already gold with the label '{existing.GoldLabel}'; it keeps that label."));
            }
        }

        return new GoldSeedResult(added, items.Select(i => i.Id).Where(id => !addedSet.Contains(id)).Distinct().ToArray(), conflicts);
    }
}
