using Labeling.Bench.Evaluation;

namespace Labeling.Bench.Reporting;

/// <summary>
/// An aligned table printed once every row is in, followed by one <c>mean</c> row per method:
/// the mean accuracy and mean seconds over the data sets, and the total number of answers.
/// </summary>
internal sealed class TableReport(TextWriter output) : IBenchReport
{
    private static readonly string[] Headings = ["dataset", "method", "accuracy", "seconds", "answers"];
    private readonly List<BenchRow> _rows = [];

    public void Add(BenchRow row) => _rows.Add(row);

    public void Complete()
    {
        var lines = new List<string[]>(_rows.Count + 8);
        lines.AddRange(_rows.Select(Cells));
        var means = _rows
            .GroupBy(r => r.Method, StringComparer.Ordinal)
            .Select(g => new[]
            {
                "mean", g.Key, Figures.Accuracy(g.Average(r => r.Accuracy)), Figures.Seconds(g.Average(r => r.Seconds)),
                Figures.Count(g.Sum(r => (long)r.Answers)),
            })
            .ToList();

        var widths = Headings.Select(h => h.Length).ToArray();
        foreach (var cells in lines.Concat(means))
            for (var c = 0; c < cells.Length; c++) widths[c] = Math.Max(widths[c], cells[c].Length);

        Write(Headings, widths);
        output.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var cells in lines) Write(cells, widths);
        if (means.Count > 0) output.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var cells in means) Write(cells, widths);
        output.Flush();
    }

    private static string[] Cells(BenchRow row) =>
        [row.Dataset, row.Method, Figures.Accuracy(row.Accuracy), Figures.Seconds(row.Seconds), Figures.Count(row.Answers)];

    private void Write(string[] cells, int[] widths)
    {
        // Names left-aligned, figures right-aligned so that decimals line up.
        var padded = cells.Select((cell, c) => c < 2 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]));
        output.WriteLine(string.Join("  ", padded).TrimEnd());
    }
}
