namespace Labeling.Application.Export;

/// <summary>File formats of the label export.</summary>
public enum ExportFormat
{
    /// <summary>One JSON object per line.</summary>
    Jsonl,

    /// <summary>Comma-separated values with a header row (RFC 4180 quoting).</summary>
    Csv,
}
