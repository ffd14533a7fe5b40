using System.Globalization;
using System.Text;
using System.Text.Json;
using Labeling.Application.Items;
using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Domain.Items;

namespace Labeling.Application.Export;

/// <summary>
/// Writes a project's labeled items (auto-accepted and decided) as JSONL or CSV, streaming: each row
/// is written as it is read from the store, so memory does not grow with the project.
/// </summary>
public sealed class LabelExport
{
    // Text as it stands, not as \uXXXX escapes: "café" and "日本語" stay readable in the file (the default encoder escaped
    // every character outside ASCII). The file is downloaded, never rendered as HTML, so the HTML-sensitive characters the
    // default also escapes need not be; control characters, and characters outside the Basic Multilingual Plane (an
    // emoji), are still written as escapes, which every JSON reader turns back.
    private static readonly JsonSerializerOptions JsonlOptions = CreateJsonlOptions();

    /// <summary>The CSV header. Columns are only ever added at the end, so a reader that takes them by position keeps working.</summary>
    public const string Header = "item_id,external_id,text,label,confidence,posterior,decided_by,vote_count,document_id,source_id";

    private const int FlushEvery = 256;
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private readonly IProjectStore _projects;
    private readonly IItemStore _items;

    /// <summary>Creates the export.</summary>
    public LabelExport(IProjectStore projects, IItemStore items)
    {
        _projects = projects;
        _items = items;
    }

    /// <summary>Checks the project exists before any byte is written (so a missing project is a clean 404).</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>A task.</returns>
    public async Task EnsureProjectAsync(string projectId, CancellationToken cancellationToken)
    {
        _ = await _projects.GetAsync(projectId, cancellationToken).ConfigureAwait(false)
            ?? throw NotFoundException.Project(projectId);
    }

    /// <summary>Streams the export to <paramref name="output"/>.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="format">JSONL or CSV.</param>
    /// <param name="output">Where to write; not disposed.</param>
    /// <param name="cancellationToken">Stops the export.</param>
    /// <returns>The number of rows written.</returns>
    public async Task<int> WriteAsync(string projectId, ExportFormat format, Stream output, CancellationToken cancellationToken)
    {
        var project = await _projects.GetAsync(projectId, cancellationToken).ConfigureAwait(false)
            ?? throw NotFoundException.Project(projectId);
        var items = _items.ReadLabeledAsync(projectId, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (items.ConfigureAwait(false))
        {
            // The first page is read before the writer is made: a store that fails then (busy, throttled) is answered with
            // its problem (503 with Retry-After). Read inside it, the failure unwound through the writer, whose disposal
            // flushed the response (with the CSV header) and so began a 200 answer, which was then cut off.
            var more = await items.MoveNextAsync().ConfigureAwait(false);
            var writer = new StreamWriter(output, Utf8, bufferSize: 16 * 1024, leaveOpen: true) { NewLine = "\n" };
            await using (writer.ConfigureAwait(false))
            {
                if (format == ExportFormat.Csv)
                {
                    await writer.WriteLineAsync(Header.AsMemory(), cancellationToken).ConfigureAwait(false);
                }

                var rows = 0;
                for (; more; more = await items.MoveNextAsync().ConfigureAwait(false))
                {
                    var item = items.Current;
                    var row = new ExportRow(item.Id, item.ExternalId, item.Text, item.Label!, Math.Round(item.Confidence ?? 0, 6),
                        PosteriorView.ByLabel(item.Posterior, project.Schema), item.DecidedBy ?? DecidedBy.Crowd, item.TotalVotes, item.DocumentId, item.SourceId);
                    var line = format == ExportFormat.Csv ? Csv(row) : JsonSerializer.Serialize(row, JsonlOptions);
                    await writer.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
                    if (++rows % FlushEvery == 0)
                    {
                        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                    }
                }

                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                return rows;
            }
        }
    }

    private static string Csv(ExportRow row)
    {
        var posterior = row.Posterior is null ? string.Empty : JsonSerializer.Serialize(row.Posterior, LabelingJson.Options);
        return string.Join(',',
            Quote(row.ItemId),
            Cell(row.ExternalId ?? string.Empty),
            Cell(row.Text),
            Cell(row.Label),
            row.Confidence.ToString("0.######", CultureInfo.InvariantCulture),
            Cell(posterior), // label names inside it, guarded as the label column is
            JsonNamingPolicy.KebabCaseLower.ConvertName(row.DecidedBy.ToString()),
            row.VoteCount.ToString(CultureInfo.InvariantCulture),
            row.DocumentId ?? string.Empty,
            Cell(row.SourceId));
    }

    // A value from uploads or the schema: one a spreadsheet would run as a formula (=, +, -, @, tab or CR first, or
    // their full-width forms, also behind spaces, control characters, a byte-order mark or zero-width space; and not a plain finite number such as
    // "-1") gets a leading apostrophe, as OWASP advises against CSV injection. So does every part of it that follows a
    // semicolon: a spreadsheet whose locale separates fields with ';' (German, French, ...) splits the line there, quotes
    // or not, and would run "nice video;=1+1" as a formula in the second part. JSONL keeps every value exactly.
    private static string Cell(string value)
    {
        var formula = StartsFormula(value) && !(double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number));
        var cell = formula ? "'" + value : value;
        if (cell.Contains(';', StringComparison.Ordinal))
        {
            var parts = cell.Split(';');
            for (var i = 1; i < parts.Length; i++)
            {
                // A field's leading quotes and spaces are the spreadsheet's, not the formula's.
                var start = parts[i].AsSpan().IndexOfAnyExcept("\" ");
                if (start >= 0 && StartsFormula(parts[i][start..]))
                {
                    parts[i] = parts[i].Insert(start, "'");
                }
            }

            cell = string.Join(';', parts);
        }

        return Quote(cell);
    }

    private static bool StartsFormula(string value)
    {
        // Behind anything a spreadsheet may skip or not show: spaces, control characters (a NUL), format characters (a
        // byte-order mark, a zero-width space or joiner, a soft hyphen, a word joiner), combining marks with nothing to
        // combine with (a grapheme joiner, a variation selector) and blank letters (Hangul fillers, the Braille blank).
        // A tab or CR first is a trigger itself.
        var span = value.AsSpan();
        if (span.Length > 0 && span[0] is '\t' or '\r')
        {
            return true;
        }

        // By rune: tag characters and the supplementary variation selectors are surrogate pairs.
        var skip = 0;
        while (skip < span.Length && Rune.DecodeFromUtf16(span[skip..], out var rune, out var length) == System.Buffers.OperationStatus.Done && Invisible(rune))
        {
            skip += length;
        }

        var first = span[skip..];
        return first.Length > 0 && first[0] is '=' or '+' or '-' or '@' or '\uFF1D' or '\uFF0B' or '\uFF0D' or '\uFF20';
    }

    private static bool Invisible(Rune r) =>
        Rune.IsControl(r) || Rune.IsWhiteSpace(r) || r.Value is 0x115F or 0x1160 or 0x3164 or 0xFFA0 or 0x2800
        || Rune.GetUnicodeCategory(r) is UnicodeCategory.Format or UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.SpaceSeparator;

    private static string Quote(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static JsonSerializerOptions CreateJsonlOptions()
    {
        var options = new JsonSerializerOptions(LabelingJson.Options) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        options.MakeReadOnly();
        return options;
    }
}
