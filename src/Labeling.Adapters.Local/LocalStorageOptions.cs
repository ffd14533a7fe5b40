using System.ComponentModel.DataAnnotations;

namespace Labeling.Adapters.Local;

/// <summary>Where the local host keeps its data. Bound from the <c>Storage</c> section; <c>--data DIR</c> sets the folder.</summary>
/// <remarks>
/// Layout: <c>labeling.db</c> (SQLite, WAL), <c>inbox/{projectId}/</c> (drop files here),
/// <c>uploads/</c>, <c>processed/</c>, <c>quarantine/</c> (with a <c>.reason.txt</c> per file),
/// <c>events/label-ready.jsonl</c>, <c>keys/</c> (the local token-signing key).
/// </remarks>
public sealed class LocalStorageOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Storage";

    /// <summary>Command-line switches: <c>--data DIR</c> sets <see cref="DataDirectory"/>.</summary>
    public static IDictionary<string, string> SwitchMappings { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--data"] = $"{SectionName}:{nameof(DataDirectory)}",
    };

    /// <summary>The data folder, relative to the working directory unless absolute. Default <c>./data</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string DataDirectory { get; set; } = "data";

    /// <summary>How often the inbox is scanned in addition to file-system notifications. Default 5 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan InboxScanInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a dropped file must be unchanged before it is read (so half-copied files wait). Default 1 second.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan InboxSettleTime { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Free space on the data folder's disk below which <c>/health</c> reports the server unhealthy: writes are about to
    /// fail, and the database's write-ahead log alone may take 128 MB. Default 256 MB; 0 turns the check off.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long MinFreeDiskBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>The data folder as an absolute path.</summary>
    public string FullDataDirectory => Path.GetFullPath(DataDirectory);

    /// <summary>A path inside the data folder.</summary>
    /// <param name="parts">Path segments below the data folder.</param>
    /// <returns>The absolute path.</returns>
    public string PathOf(params string[] parts) => Path.Combine([FullDataDirectory, .. parts]);
}
