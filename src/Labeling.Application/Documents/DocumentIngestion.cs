using System.Globalization;
using Labeling.Application.Ingestion;
using Labeling.Application.Ports;
using Labeling.Application.WeakLabeling;
using Labeling.Domain.Documents;
using Labeling.Domain.Items;
using Labeling.Domain.Projects;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Labeling.Application.Documents;

/// <summary>
/// The ingest step: a stored file becomes items (parse, content-hash dedup), the new items are queued
/// for weak labeling, and the file is archived — or quarantined with a readable reason when it cannot
/// be parsed. A bad file never stops the pipeline.
/// </summary>
/// <remarks>
/// Ordering-safe without cross-store transactions: items are inserted first (insert-if-new by
/// content hash), then queued for weak labeling (idempotent), then the document record is written,
/// then the file is moved. A crash anywhere means the step runs again and converges.
/// </remarks>
public sealed partial class DocumentIngestion
{
    private readonly IProjectStore _projects;
    private readonly IDocumentStore _documents;
    private readonly IItemStore _items;
    private readonly IDocumentSource _source;
    private readonly DocumentParserRegistry _parsers;
    private readonly WeakLabeler _weakLabeler;
    private readonly IngestionOptions _ingestion;
    private readonly TimeProvider _time;
    private readonly ILogger<DocumentIngestion> _logger;

    /// <summary>Creates the step.</summary>
    public DocumentIngestion(
        IProjectStore projects,
        IDocumentStore documents,
        IItemStore items,
        IDocumentSource source,
        DocumentParserRegistry parsers,
        WeakLabeler weakLabeler,
        IOptions<IngestionOptions> ingestion,
        TimeProvider time,
        ILogger<DocumentIngestion> logger)
    {
        _projects = projects;
        _documents = documents;
        _items = items;
        _source = source;
        _parsers = parsers;
        _weakLabeler = weakLabeler;
        _ingestion = ingestion.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Ingests one stored file.</summary>
    /// <param name="stored">The file.</param>
    /// <param name="cancellationToken">Cancels the step.</param>
    /// <returns>The result, or null when the file is gone (it was processed by an earlier delivery).</returns>
    public async Task<DocumentIngestResult?> IngestAsync(StoredDocument stored, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stored);
        // The name came with the file: no control or bidi characters in records, logs, answers or file names.
        stored = stored with { FileName = DocumentFileName.Clean(stored.FileName) };
        var content = await _source.OpenReadAsync(stored, cancellationToken).ConfigureAwait(false);
        if (content is null)
        {
            return null;
        }

        byte[] bytes;
        await using (content.ConfigureAwait(false))
        {
            if (stored.Length > _ingestion.MaxFileBytes)
            {
                return await QuarantineAsync(stored, HashOfName(stored), string.Create(CultureInfo.InvariantCulture, $"The file is {stored.Length:N0} bytes; the limit is {_ingestion.MaxFileBytes:N0}. Split it into smaller files."), cancellationToken).ConfigureAwait(false);
            }

            // Read no further than the limit: a file that grew after it was listed (still being written) is not held whole.
            using var buffer = new MemoryStream();
            var limited = new SizeLimitedStream(content, _ingestion.MaxFileBytes, max => new DocumentRejectedException(
                string.Create(CultureInfo.InvariantCulture, $"The file grew past the limit of {max:N0} bytes while it was read. Split it into smaller files, and put each in place only once it is written.")));
            try
            {
                await limited.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (DocumentRejectedException ex)
            {
                return await QuarantineAsync(stored, HashOfName(stored), ex.Reason, cancellationToken).ConfigureAwait(false);
            }

            bytes = buffer.ToArray();
        }

        var hash = ContentHash.OfBytes(bytes);
        var documentId = Document.IdFor(hash);
        var project = await _projects.GetAsync(stored.ProjectId, cancellationToken).ConfigureAwait(false);
        if (project is null)
        {
            return await QuarantineAsync(stored, hash, $"There is no project '{stored.ProjectId}'. Create it first, or put the file in the folder of an existing project.", cancellationToken).ConfigureAwait(false);
        }

        // Bytes already ingested add nothing. Bytes once quarantined are read again: the reason may have been the
        // name (an extension the parsers do not take) or a setting since changed, and the new name decides now.
        var known = await _documents.GetAsync(project.Id, documentId, cancellationToken).ConfigureAwait(false);
        if (known is { Status: not DocumentStatus.Quarantined })
        {
            return await DuplicateAsync(stored, known, cancellationToken).ConfigureAwait(false);
        }

        List<ParsedItem> parsed;
        try
        {
            parsed = await ParseAsync(project, stored.FileName, bytes, cancellationToken).ConfigureAwait(false);
        }
        catch (DocumentRejectedException ex)
        {
            return await QuarantineAsync(stored, hash, ex.Reason, cancellationToken).ConfigureAwait(false);
        }

        if (parsed.Count == 0)
        {
            return await QuarantineAsync(stored, hash, "The file contains no text to label. Check that it is not empty and that the text column or field is filled.", cancellationToken).ConfigureAwait(false);
        }

        var now = _time.GetUtcNow();
        var items = new List<Item>(parsed.Count);
        foreach (var p in parsed)
        {
            var itemHash = ContentHash.OfText(p.Text);
            items.Add(new Item(project.Id, Item.IdFor(project.Id, itemHash), documentId, p.SourceId, p.ExternalId, p.Text, itemHash,
                ItemState.WeakLabeling, null, null, null, null, null, 0, 0, 0, 1, now, now, "Waiting for machine labelers."));
        }

        await _items.AddNewAsync(items, cancellationToken).ConfigureAwait(false);
        var ids = items.Select(i => i.Id).Distinct(StringComparer.Ordinal).ToArray();
        await _weakLabeler.EnqueueAsync(project.Id, ids, $"ingest:{project.Id}:{documentId}", cancellationToken).ConfigureAwait(false);

        // Counting what this document introduced (rather than what this run inserted) keeps the counts
        // right when the step is re-run after a crash between the insert and the record.
        var added = await _items.CountFromDocumentAsync(project.Id, documentId, cancellationToken).ConfigureAwait(false);
        var document = new Document(project.Id, documentId, stored.FileName, hash, DocumentStatus.Ingested, UnreadableNote(parsed), added, parsed.Count - added, now);
        if (!await _documents.TryRecordAsync(document, cancellationToken).ConfigureAwait(false))
        {
            // The same bytes were ingested at the same time by another upload or delivery, which recorded them first:
            // this one is the duplicate (its items were deduplicated), as if it had come a moment later.
            return await DuplicateAsync(stored, await _documents.GetAsync(project.Id, documentId, cancellationToken).ConfigureAwait(false) ?? document, cancellationToken).ConfigureAwait(false);
        }

        await _source.ArchiveAsync(stored, DocumentStatus.Ingested, null, cancellationToken).ConfigureAwait(false);
        LogIngested(_logger, project.Id, documentId, added, parsed.Count - added);
        if (document.Reason is { } note)
        {
            LogIngestedWithNote(_logger, project.Id, documentId, stored.FileName, note);
        }

        return new DocumentIngestResult(document, AlreadyKnown: false);
    }

    /// <summary>
    /// The note an ingested document carries when some of its characters could not be read: a text file in another encoding
    /// than UTF-8 (Windows-1252, Latin-1) passes the <see cref="IngestionOptions.MaxInvalidCharacterFraction"/> check when
    /// only a few of its characters are not ASCII, and each of those shows as U+FFFD in its item. Null when none does.
    /// </summary>
    /// <param name="parsed">The document's items as parsed.</param>
    /// <returns>The note, or null.</returns>
    internal static string? UnreadableNote(IReadOnlyList<ParsedItem> parsed)
    {
        long characters = 0;
        var items = 0;
        foreach (var item in parsed)
        {
            var count = item.Text.AsSpan().Count('\uFFFD');
            if (count > 0)
            {
                characters += count;
                items++;
            }
        }

        return characters == 0 ? null
            : string.Create(CultureInfo.InvariantCulture, $"Ingested, but {characters:N0} character(s) in {items:N0} item(s) could not be read and show as U+FFFD (\uFFFD). ")
              + "A text file saved in another encoding than UTF-8 (Windows-1252, Latin-1) does this: save it as UTF-8 and send it again "
              + "(its items come in as new items beside these).";
    }

    private async Task<List<ParsedItem>> ParseAsync(Project project, string fileName, byte[] bytes, CancellationToken cancellationToken)
    {
        // A copy of every setting, not a list of them: a list silently dropped the parse limits once.
        var options = project.TextColumn is { Length: > 0 } column ? _ingestion.WithTextColumn(column) : _ingestion;
        if (options.TextColumnFromProject && string.IsNullOrWhiteSpace(options.TextColumn))
        {
            // The project's settings take a blank textColumn, which no parser can look for: the file is set aside saying
            // so, rather than every upload to the project failing with the parsers' check of their options.
            throw new DocumentRejectedException(
                "The project's textColumn is blank, so no column or field can be read as the text. Set it to the CSV column or JSON field "
                + "holding the text, or to \"\" for the server's default (Ingestion:TextColumn), and send the file again.");
        }

        var parsed = new List<ParsedItem>();
        using var stream = new MemoryStream(bytes, writable: false);
        await foreach (var item in _parsers.ParseAsync(fileName, stream, options, cancellationToken).ConfigureAwait(false))
        {
            if (parsed.Count == options.MaxItemsPerDocument)
            {
                throw new DocumentRejectedException(
                    string.Create(CultureInfo.InvariantCulture, $"The file holds more than {options.MaxItemsPerDocument:N0} items (Ingestion:MaxItemsPerDocument); split it into smaller files."));
            }

            // Kept without its metadata, which no store takes: a CSV row's other cells held until the whole file was read
            // made 19 MB of rows with a thousand empty cells each take 1.1 GB.
            parsed.Add(item with { Metadata = ParsedItem.NoMetadata });
        }

        return parsed;
    }

    /// <summary>
    /// Quarantines a stored file without parsing it, as the ingest step quarantines one it cannot parse: for a file
    /// whose reading is what failed (the local inbox sets aside a file that stopped the server each time it was read).
    /// </summary>
    /// <param name="stored">The file.</param>
    /// <param name="reason">Why it was set aside, for the document record and the reason file.</param>
    /// <param name="cancellationToken">Cancels the step.</param>
    /// <returns>The quarantined document; the ingested record when the same bytes are recorded as ingested (the file was
    /// archived as their duplicate, not quarantined); or null when the file is gone.</returns>
    public async Task<Document?> SetAsideAsync(StoredDocument stored, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var content = await _source.OpenReadAsync(stored, cancellationToken).ConfigureAwait(false);
        if (content is null)
        {
            return null;
        }

        string hash;
        await using (content.ConfigureAwait(false))
        {
            hash = await ContentHash.OfStreamAsync(content, cancellationToken).ConfigureAwait(false);
        }

        return (await QuarantineAsync(stored, hash, reason, cancellationToken).ConfigureAwait(false)).Document;
    }

    // A copy of bytes already recorded as ingested: archived beside their record, which is the answer.
    private async Task<DocumentIngestResult> DuplicateAsync(StoredDocument stored, Document recorded, CancellationToken cancellationToken)
    {
        // A quarantine reason goes with the copy; an ingested document's note stays in its record, as for the first copy.
        var reason = recorded.Status == DocumentStatus.Quarantined ? recorded.Reason : null;
        await _source.ArchiveAsync(stored, recorded.Status, reason, cancellationToken).ConfigureAwait(false);
        LogDuplicateDocument(_logger, recorded.ProjectId, recorded.Id, stored.FileName);
        return new DocumentIngestResult(recorded, AlreadyKnown: true);
    }

    /// <summary>Longest quarantine reason recorded, logged and answered; a longer one is cut, saying how long it was.</summary>
    public const int MaxReasonCharacters = 1_000;

    /// <summary>
    /// A reason as it is recorded, logged and answered: a parser's reason can quote the file (a column or field name, a
    /// snippet of text), so control and format characters (a line break that would forge a log line, an escape sequence,
    /// a right-to-left override) become '?', and it is cut at <see cref="MaxReasonCharacters"/>: a file of 300,000 column
    /// names must not make a reason of megabytes in the database, the log and every listing of the project's documents.
    /// </summary>
    /// <param name="reason">The reason as given.</param>
    /// <returns>The reason to keep.</returns>
    public static string Readable(string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var cut = reason.Length > MaxReasonCharacters ? reason[..MaxReasonCharacters] : reason;
        var shown = string.Create(cut.Length, cut, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                span[i] = char.IsControl(c) || char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.Format
                    or System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator
                    || (char.IsSurrogate(c) && !IsPairedSurrogate(source, i)) ? '?' : c;
            }
        });
        return cut.Length == reason.Length
            ? shown
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{shown}… (the reason is {reason.Length:N0} characters; the rest is left out)");
    }

    // A surrogate is kept only as half of a pair (an emoji in a snippet); a lone one cannot be encoded.
    private static bool IsPairedSurrogate(string text, int i) =>
        char.IsHighSurrogate(text[i]) ? i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) : i > 0 && char.IsHighSurrogate(text[i - 1]);

    private async Task<DocumentIngestResult> QuarantineAsync(StoredDocument stored, string hash, string reason, CancellationToken cancellationToken)
    {
        reason = Readable(reason);
        var documentId = Document.IdFor(hash);
        var project = await _projects.GetAsync(stored.ProjectId, cancellationToken).ConfigureAwait(false);
        // A file set aside after an ingest of it got as far as its items (the server stopped each time between the items
        // and the record) has items in the pool already: the record says how many and that they stay, rather than
        // showing a quarantined file with none while its items are labeled.
        var kept = project is null ? 0 : await _items.CountFromDocumentAsync(project.Id, documentId, cancellationToken).ConfigureAwait(false);
        if (kept > 0)
        {
            reason = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{reason} {kept:N0} items read from it before it was set aside stay in the project and are labeled as usual; sending the file again adds any it is missing.");
        }

        var document = new Document(stored.ProjectId, documentId, stored.FileName, hash, DocumentStatus.Quarantined, reason, kept, 0, _time.GetUtcNow());
        if (project is not null
            && !await _documents.TryRecordAsync(document, cancellationToken).ConfigureAwait(false))
        {
            // These bytes are recorded as ingested (another upload or delivery of them got there first, or this copy was
            // set aside after its own ingest was recorded): their items stand, and this copy is a duplicate.
            return await DuplicateAsync(stored, await _documents.GetAsync(stored.ProjectId, document.Id, cancellationToken).ConfigureAwait(false) ?? document, cancellationToken).ConfigureAwait(false);
        }

        await _source.ArchiveAsync(stored, DocumentStatus.Quarantined, reason, cancellationToken).ConfigureAwait(false);
        LogQuarantined(_logger, stored.ProjectId, document.Id, stored.FileName, reason);
        return new DocumentIngestResult(document, AlreadyKnown: false);
    }

    private static string HashOfName(StoredDocument stored) =>
        ContentHash.OfText($"{stored.ProjectId}/{stored.FileName}/{stored.Length}");

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Ingested document {DocumentId} into project {ProjectId}: {ItemCount} new items, {DuplicateCount} duplicates")]
    private static partial void LogIngested(ILogger logger, string projectId, string documentId, int itemCount, int duplicateCount);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Quarantined document {DocumentId} ({FileName}) of project {ProjectId}: {Reason}")]
    private static partial void LogQuarantined(ILogger logger, string projectId, string documentId, string fileName, string reason);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Document {DocumentId} ({FileName}) of project {ProjectId}: {Note}")]
    private static partial void LogIngestedWithNote(ILogger logger, string projectId, string documentId, string fileName, string note);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Document {DocumentId} ({FileName}) of project {ProjectId} was already received; nothing added")]
    private static partial void LogDuplicateDocument(ILogger logger, string projectId, string documentId, string fileName);
}
