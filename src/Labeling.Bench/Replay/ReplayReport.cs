using System.Globalization;
using Labeling.Bench.Reporting;

namespace Labeling.Bench.Replay;

/// <summary>
/// Replay rows as CSV (<see cref="CsvHeader"/>, one row per data set, written as measured) or as an
/// aligned table printed at the end with batch Dawid–Skene refitted to the votes used, the share of
/// votes saved and the item states.
/// </summary>
internal sealed class ReplayReport
{
    /// <summary>The CSV header line.</summary>
    public const string CsvHeader = "dataset,accuracy,votes_used,votes_recorded,items";

    private static readonly string[] Headings = ["dataset", "accuracy", "ds_refit", "votes_used", "votes_recorded", "saved", "items", "decided", "review", "collecting", "seconds"];
    private readonly TextWriter _out;
    private readonly bool _csv;
    private readonly bool _showRun;
    private readonly List<ReplayRow> _rows = [];

    /// <param name="output">Where the rows go.</param>
    /// <param name="csv">CSV rows as measured, else a table at the end.</param>
    /// <param name="showRun">The table gets a <c>run</c> column after the data set (a replay of several runs); the CSV stays as it is.</param>
    public ReplayReport(TextWriter output, bool csv, bool showRun = false)
    {
        _out = output;
        _csv = csv;
        _showRun = showRun;
        if (_csv) _out.WriteLine(CsvHeader);
    }

    /// <summary>Adds one data set's row.</summary>
    public void Add(ReplayRow row)
    {
        _rows.Add(row);
        if (!_csv) return;
        _out.WriteLine(string.Join(',', Quote(row.Dataset), Figures.Accuracy(row.Accuracy), Figures.Count(row.VotesUsed), Figures.Count(row.VotesRecorded), Figures.Count(row.Items)));
        _out.Flush();
    }

    /// <summary>Prints the table (CSV rows are already out).</summary>
    public void Complete()
    {
        if (_csv)
        {
            _out.Flush();
            return;
        }
        var headings = _showRun ? [Headings[0], "run", .. Headings[1..]] : Headings;
        var lines = _rows.Select(r => (string[])[
            r.Dataset, .. _showRun ? [Figures.Count(r.Run)] : Array.Empty<string>(),
            Figures.Accuracy(r.Accuracy), Figures.Accuracy(r.RefitAccuracy), Figures.Count(r.VotesUsed), Figures.Count(r.VotesRecorded),
            (r.Saved * 100).ToString("F1", CultureInfo.InvariantCulture) + "%", Figures.Count(r.Items), Figures.Count(r.Decided),
            Figures.Count(r.NeedsReview), Figures.Count(r.Collecting), r.Seconds.ToString("F1", CultureInfo.InvariantCulture),
        ]).ToList();
        var widths = headings.Select(h => h.Length).ToArray();
        foreach (var cells in lines)
            for (var c = 0; c < cells.Length; c++) widths[c] = Math.Max(widths[c], cells[c].Length);
        Write(headings, widths);
        _out.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var cells in lines) Write(cells, widths);
        _out.Flush();
    }

    private void Write(string[] cells, int[] widths) =>
        _out.WriteLine(string.Join("  ", cells.Select((cell, c) => c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd());

    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? '"' + field.Replace("\"", "\"\"", StringComparison.Ordinal) + '"' : field;
}
