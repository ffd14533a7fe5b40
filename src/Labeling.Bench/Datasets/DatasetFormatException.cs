using System.Globalization;

namespace Labeling.Bench.Datasets;

/// <summary>
/// A data file is missing or malformed. The message starts with <c>path:line:</c> (or
/// <c>path:</c> when no line applies) so that editors and terminals can jump to it.
/// </summary>
internal sealed class DatasetFormatException : Exception
{
    public DatasetFormatException(string path, int line, string problem)
        : base(line > 0 ? string.Create(CultureInfo.InvariantCulture, $"{path}:{line}: {problem}") : $"{path}: {problem}")
    {
        Path = path;
        Line = line;
    }

    /// <summary>The file at fault.</summary>
    public string Path { get; }

    /// <summary>The 1-based line at fault, or 0 when the whole file is.</summary>
    public int Line { get; }
}
