using System.ComponentModel.DataAnnotations;

namespace Labeling.Application.Ingestion;

/// <summary>How uploaded documents are read and cut into items. Bound from the <c>Ingestion</c> section.</summary>
/// <remarks>
/// Text files are read as UTF-8; a byte-order mark (UTF-8, UTF-16 or UTF-32) overrides that.
/// Bytes that are not valid UTF-8 become U+FFFD; a file where more than
/// <see cref="MaxInvalidCharacterFraction"/> of the characters are U+FFFD or NUL is rejected as
/// not being text.
/// </remarks>
public sealed class IngestionOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Ingestion";

    /// <summary>
    /// CSV column holding the item text, matched case-insensitively against the header.
    /// Default <c>text</c>. There is no fallback list: if the column is absent the file is rejected
    /// and the reason lists the columns present.
    /// </summary>
    [Required(AllowEmptyStrings = false)]
    public string TextColumn { get; set; } = "text";

    /// <summary>CSV column holding the caller's id for each row, matched case-insensitively. Default none.</summary>
    public string? IdColumn { get; set; }

    /// <summary>
    /// JSON / JSONL field holding the item text; a dotted path such as <c>post.body</c> reaches into
    /// nested objects. Matched exactly (JSON is case-sensitive). Default <c>text</c>.
    /// </summary>
    [Required(AllowEmptyStrings = false)]
    public string JsonTextField { get; set; } = "text";

    /// <summary>JSON / JSONL field (dotted path allowed) holding the caller's id. Default none.</summary>
    public string? JsonIdField { get; set; }

    /// <summary>
    /// For a <c>.json</c> file whose root is an object: the field (dotted path allowed) holding the
    /// array of items. Default none, meaning the root's only array-valued property is used.
    /// </summary>
    public string? JsonItemsField { get; set; }

    /// <summary>Longest item, in characters; longer text is split by <see cref="TextSplitter"/>. Default 2,000.</summary>
    [Range(20, 1_000_000)]
    public int MaxItemCharacters { get; set; } = 2000;

    /// <summary>Largest file accepted, in bytes. Default 20 MB (20 × 1024 × 1024).</summary>
    [Range(1L, long.MaxValue)]
    public long MaxFileBytes { get; set; } = 20L * 1024 * 1024;

    /// <summary>
    /// Most a packed format may unpack to: characters of XML in a <c>.docx</c> file's main document, bytes
    /// of any one decoded stream in a <c>.pdf</c> (and ten times this for all of a PDF's streams together).
    /// A file over it is quarantined, so a small upload that inflates to gigabytes (a decompression bomb)
    /// costs a bounded amount of work and memory. Default 100,000,000, about five times the largest
    /// accepted file.
    /// </summary>
    [Range(1L, long.MaxValue)]
    public long MaxUnpackedCharacters { get; set; } = 100_000_000;

    /// <summary>
    /// Most items one file may hold (after splitting long texts); a file with more is quarantined. Default
    /// 500,000: a million one-line rows took 31 s and 1.2 GB of memory to ingest in one request, and every
    /// item of a file is written in one commit.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxItemsPerDocument { get; set; } = 500_000;

    /// <summary>
    /// Longest a file may take to read and cut into items; a file that takes longer is quarantined, so a
    /// document built to be slow to parse (HTML nested thousands of levels deep) cannot hold a worker.
    /// Default one minute. Measured on two cores: 19 MB of CSV takes 0.5 s, of JSONL 0.4 s, of HTML 2.3 s; PDF text
    /// comes out at about 3 million characters a second (1,500 dense pages, 7.4 million characters, 2.5 s),
    /// so only a text-only PDF near the 20 MB limit comes within a factor of two of the default.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ParseTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Largest share of undecodable characters (U+FFFD from invalid UTF-8, or NUL) tolerated in a text
    /// file before it is rejected as binary or wrongly encoded. Default 0.01 (1 %). Checked once
    /// 4,096 characters have been read and again at the end of the file.
    /// </summary>
    [Range(0.0, 1.0)]
    public double MaxInvalidCharacterFraction { get; set; } = 0.01;

    /// <summary>
    /// These options with the item text read from <paramref name="column"/> (the CSV column and the JSON
    /// field alike), as a project's <c>textColumn</c> asks; every other setting is kept as it is.
    /// </summary>
    /// <param name="column">The column or field holding the text.</param>
    /// <returns>A copy; these options are not changed.</returns>
    public IngestionOptions WithTextColumn(string column)
    {
        var copy = (IngestionOptions)MemberwiseClone();
        copy.TextColumn = column;
        copy.JsonTextField = column;
        copy.TextColumnFromProject = true;
        return copy;
    }

    // A project's textColumn overrides the server's setting, so advice to change the server's setting cannot work.
    internal bool TextColumnFromProject { get; private set; }

    /// <summary>What to tell an uploader whose file lacks the text column (or field) these options ask for.</summary>
    /// <param name="serverSetting">The server's setting for it, e.g. <c>Ingestion:TextColumn</c>.</param>
    /// <param name="what">"column" or "field".</param>
    internal string TextColumnAdvice(string serverSetting, string what) => TextColumnFromProject
        ? $"The project's textColumn names it (and overrides {serverSetting}); give the file that {what}, or upload it to a project whose textColumn matches."
        : $"Set {serverSetting}.";
}
