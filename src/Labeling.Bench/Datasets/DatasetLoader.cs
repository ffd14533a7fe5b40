using System.Globalization;
using System.Text;
using Labeling.Domain.TruthInference;

namespace Labeling.Bench.Datasets;

/// <summary>
/// Reads a data set folder: <c>answers.csv</c> with the header <c>item,worker,label</c> and
/// <c>truth.csv</c> with the header <c>item,label</c> (columns found by name, any order, extra
/// columns ignored). An empty label is an abstention. Every problem is reported as a
/// <see cref="DatasetFormatException"/> naming the file and line.
/// </summary>
internal static class DatasetLoader
{
    /// <summary>Name of the answers file inside a data set folder.</summary>
    public const string AnswersFile = "answers.csv";

    /// <summary>Name of the truth file inside a data set folder.</summary>
    public const string TruthFile = "truth.csv";

    /// <summary>Loads the data set in <paramref name="directory"/>; its name is the folder's name.</summary>
    public static Dataset Load(string directory)
    {
        var name = new DirectoryInfo(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory))).Name;
        var pool = new StringPool();
        var answers = LoadAnswers(Path.Combine(directory, AnswersFile), pool);
        var truth = LoadTruth(Path.Combine(directory, TruthFile), pool);
        return new Dataset(name, answers, truth);
    }

    /// <summary>Reads an answers file.</summary>
    public static List<Answer> LoadAnswers(string path, StringPool pool)
    {
        using var csv = Open(path);
        var columns = ReadHeader(csv, path, "item", "worker", "label");
        var answers = new List<Answer>();
        while (csv.Read())
        {
            if (csv.IsBlank) continue;
            CheckFieldCount(csv, path, columns.Width);
            var item = pool.Get(Required(csv, path, columns[0], "item"));
            var worker = pool.Get(Required(csv, path, columns[1], "worker"));
            var label = csv[columns[2]].Trim();
            answers.Add(new Answer(item, worker, label.IsEmpty ? null : pool.Get(label)));
        }
        if (answers.Count == 0) throw new DatasetFormatException(path, 0, "has a header but no answers; add rows item,worker,label");
        return answers;
    }

    /// <summary>Reads a truth file; an item listed twice is an error.</summary>
    public static List<TruthRow> LoadTruth(string path, StringPool pool)
    {
        using var csv = Open(path);
        var columns = ReadHeader(csv, path, "item", "label");
        var rows = new List<TruthRow>();
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        while (csv.Read())
        {
            if (csv.IsBlank) continue;
            CheckFieldCount(csv, path, columns.Width);
            var item = pool.Get(Required(csv, path, columns[0], "item"));
            var label = pool.Get(Required(csv, path, columns[1], "label"));
            if (!firstLine.TryAdd(item, csv.LineNumber))
                throw new DatasetFormatException(path, csv.LineNumber, string.Create(CultureInfo.InvariantCulture, $"item '{item}' already has a true label on line {firstLine[item]}; keep one row per item"));
            rows.Add(new TruthRow(item, label));
        }
        if (rows.Count == 0) throw new DatasetFormatException(path, 0, "has a header but no rows; accuracy needs at least one item,label row");
        return rows;
    }

    private static CsvRecordReader Open(string path)
    {
        if (!File.Exists(path)) throw new DatasetFormatException(path, 0, "file not found");
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return new CsvRecordReader(new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16), path);
    }

    private static HeaderColumns ReadHeader(CsvRecordReader csv, string path, params string[] names)
    {
        if (!csv.Read()) throw new DatasetFormatException(path, 1, $"file is empty; expected the header {string.Join(',', names)}");
        var found = new int[names.Length];
        for (var n = 0; n < names.Length; n++)
        {
            found[n] = -1;
            for (var f = 0; f < csv.FieldCount; f++)
            {
                if (csv[f].Trim().Equals(names[n], StringComparison.OrdinalIgnoreCase))
                {
                    found[n] = f;
                    break;
                }
            }
            if (found[n] < 0)
            {
                var header = string.Join(',', Enumerable.Range(0, csv.FieldCount).Select(f => csv[f].ToString()));
                throw new DatasetFormatException(path, csv.LineNumber, $"header '{header}' has no '{names[n]}' column; expected the header {string.Join(',', names)}");
            }
        }
        return new HeaderColumns(found, csv.FieldCount);
    }

    private static void CheckFieldCount(CsvRecordReader csv, string path, int width)
    {
        if (csv.FieldCount != width)
            throw new DatasetFormatException(path, csv.LineNumber, string.Create(CultureInfo.InvariantCulture, $"expected {width} fields as in the header, found {csv.FieldCount}"));
    }

    private static ReadOnlySpan<char> Required(CsvRecordReader csv, string path, int column, string name)
    {
        var value = csv[column].Trim();
        if (value.IsEmpty) throw new DatasetFormatException(path, csv.LineNumber, $"the {name} field is empty");
        return value;
    }

    private readonly record struct HeaderColumns(int[] Indices, int Width)
    {
        public int this[int n] => Indices[n];
    }
}
