using Labeling.Bench.Evaluation;

namespace Labeling.Bench.Reporting;

/// <summary>
/// <c>dataset,method,accuracy,seconds,answers</c>, one row per data set and method, written as
/// soon as it is measured. Names are quoted when they hold a comma or a quote.
/// </summary>
internal sealed class CsvReport : IBenchReport
{
    /// <summary>The header line.</summary>
    public const string Header = "dataset,method,accuracy,seconds,answers";

    private readonly TextWriter _out;

    public CsvReport(TextWriter output)
    {
        _out = output;
        _out.WriteLine(Header);
    }

    public void Add(BenchRow row)
    {
        _out.WriteLine(string.Join(',', Quote(row.Dataset), Quote(row.Method), Figures.Accuracy(row.Accuracy), Figures.Seconds(row.Seconds), Figures.Count(row.Answers)));
        _out.Flush();
    }

    public void Complete() => _out.Flush();

    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? '"' + field.Replace("\"", "\"\"", StringComparison.Ordinal) + '"' : field;
}
