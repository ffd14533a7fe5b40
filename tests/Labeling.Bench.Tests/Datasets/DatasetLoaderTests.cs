using Labeling.Bench.Datasets;

namespace Labeling.Bench.Tests.Datasets;

public sealed class DatasetLoaderTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void LoadAnswers_RowWithMissingField_ThrowsNamingFileAndLine()
    {
        var path = _temp.File("answers.csv", "item,worker,label\na,w1,x\nb,w2\n");

        var error = Assert.Throws<DatasetFormatException>(() => DatasetLoader.LoadAnswers(path, new StringPool()));

        Assert.Equal(path, error.Path);
        Assert.Equal(3, error.Line);
        Assert.StartsWith($"{path}:3: expected 3 fields as in the header, found 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TruthFileMissing_ThrowsNamingTheFile()
    {
        var folder = _temp.DataSet("no-truth", TinyCrowd.Answers, truth: null);

        var error = Assert.Throws<DatasetFormatException>(() => DatasetLoader.Load(folder));

        Assert.Equal($"{Path.Combine(folder, "truth.csv")}: file not found", error.Message);
    }

    [Fact]
    public void LoadAnswers_QuotedFields_UnescapesCommasAndQuotes()
    {
        var path = _temp.File("answers.csv", "item,worker,label\r\n\"a,1\",w1,\"say \"\"x\"\"\"\r\nb,\"w2\",y\r\n");

        var answers = DatasetLoader.LoadAnswers(path, new StringPool());

        Assert.Equal(2, answers.Count);
        Assert.Equal("a,1", answers[0].Item);
        Assert.Equal("say \"x\"", answers[0].Label);
        Assert.Equal("w2", answers[1].Worker);
        Assert.Equal("y", answers[1].Label);
    }

    [Fact]
    public void LoadAnswers_QuotedLineBreak_LaterErrorsNamePhysicalLine()
    {
        var path = _temp.File("answers.csv", "item,worker,label\n\"multi\nline\",w1,x\nb,w1,x\nc,w1\n");

        var error = Assert.Throws<DatasetFormatException>(() => DatasetLoader.LoadAnswers(path, new StringPool()));

        Assert.Equal(5, error.Line);
    }

    [Fact]
    public void LoadAnswers_UnclosedQuote_ThrowsNamingLineWhereItOpened()
    {
        var path = _temp.File("answers.csv", "item,worker,label\na,w1,x\n\"b,w2,y\nc,w3,z\n");

        var error = Assert.Throws<DatasetFormatException>(() => DatasetLoader.LoadAnswers(path, new StringPool()));

        Assert.Equal(3, error.Line);
        Assert.Contains("never closed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadAnswers_HeaderWithoutWorker_ThrowsOnLine1()
    {
        var path = _temp.File("answers.csv", "item,annotator,label\na,w1,x\n");

        var error = Assert.Throws<DatasetFormatException>(() => DatasetLoader.LoadAnswers(path, new StringPool()));

        Assert.Equal(1, error.Line);
        Assert.Contains("no 'worker' column", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadAnswers_EmptyWorker_ThrowsNamingLine()
    {
        var path = _temp.File("answers.csv", "item,worker,label\na,w1,x\na,,y\n");

        var error = Assert.Throws<DatasetFormatException>(() => DatasetLoader.LoadAnswers(path, new StringPool()));

        Assert.Equal(3, error.Line);
        Assert.Contains("worker field is empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadAnswers_EmptyLabelAndBlankLine_AbstentionKeptBlankSkipped()
    {
        var path = _temp.File("answers.csv", "label,item,worker\n,a,w1\n\nx,a,w2\n");

        var answers = DatasetLoader.LoadAnswers(path, new StringPool());

        Assert.Equal(2, answers.Count);
        Assert.True(answers[0].IsAbstention);
        Assert.Equal(("a", "w2", "x"), (answers[1].Item, answers[1].Worker, answers[1].Label));
    }

    [Fact]
    public void LoadTruth_ItemListedTwice_ThrowsNamingBothLines()
    {
        var path = _temp.File("truth.csv", "item,label\na,x\nb,y\na,y\n");

        var error = Assert.Throws<DatasetFormatException>(() => DatasetLoader.LoadTruth(path, new StringPool()));

        Assert.Equal(4, error.Line);
        Assert.Contains("on line 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SharedDataSet_ReadsEveryRow()
    {
        var folder = Path.Combine(SharedDatasets.Root, "duck");
        Assert.True(Directory.Exists(folder), $"the shared data sets should be beside the repository: {folder}");

        var dataset = DatasetLoader.Load(folder);

        Assert.Equal("duck", dataset.Name);
        Assert.Equal(File.ReadLines(Path.Combine(folder, "answers.csv")).Count() - 1, dataset.Answers.Count);
        Assert.Equal(File.ReadLines(Path.Combine(folder, "truth.csv")).Count() - 1, dataset.Truth.Count);
    }
}
