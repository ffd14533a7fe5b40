using System.Text;

namespace Labeling.Bench.Synthetic;

/// <summary>
/// Streams a simulated crowd to <c>answers.csv</c> (<c>item,worker,label</c>) and
/// <c>truth.csv</c> (<c>item,label</c>) as it is drawn; items, workers and labels are written as
/// integers. Integers are formatted into a reused buffer, so a million answers take well under a
/// second to write.
/// </summary>
internal sealed class CsvCrowdWriter : ICrowdSink, IDisposable
{
    private readonly StreamWriter _answers;
    private readonly StreamWriter _truth;
    private readonly char[] _line = new char[40];

    public CsvCrowdWriter(string directory)
    {
        Directory.CreateDirectory(directory);
        _answers = Create(Path.Combine(directory, "answers.csv"));
        _truth = Create(Path.Combine(directory, "truth.csv"));
        _answers.Write("item,worker,label\n");
        _truth.Write("item,label\n");
    }

    /// <summary>Answer rows written so far.</summary>
    public long AnswersWritten { get; private set; }

    public void Item(int item, int truth) => WriteLine(_truth, item, truth);

    public void Vote(int item, int worker, int label)
    {
        WriteLine(_answers, item, worker, label);
        AnswersWritten++;
    }

    public void Dispose()
    {
        _answers.Dispose();
        _truth.Dispose();
    }

    private static StreamWriter Create(string path) =>
        new(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16), new UTF8Encoding(false), 1 << 16);

    private void WriteLine(StreamWriter writer, params ReadOnlySpan<int> fields)
    {
        var span = _line.AsSpan();
        var length = 0;
        for (var f = 0; f < fields.Length; f++)
        {
            if (f > 0) span[length++] = ',';
            fields[f].TryFormat(span[length..], out var written, provider: System.Globalization.CultureInfo.InvariantCulture);
            length += written;
        }
        span[length++] = '\n';
        writer.Write(span[..length]);
    }
}
