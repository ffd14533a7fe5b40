using Labeling.Domain.TruthInference;

namespace Labeling.Domain.Tests.TruthInference;

public sealed class AnswerMatrixTests
{
    [Fact]
    public void Create_AnswersInAnyOrder_IndexesByFirstAppearanceAndGroupsByItemAndWorker()
    {
        var data = AnswerMatrix.Create(
        [
            new("i2", "w1", "b"),
            new("i1", "w2", "a"),
            new("i2", "w2", "a"),
            new("i1", "w1", "b"),
        ]);

        Assert.Equal(["i2", "i1"], data.Items);
        Assert.Equal(["w1", "w2"], data.Workers);
        Assert.Equal(["a", "b"], data.Labels);
        Assert.Equal([0, 2, 4], data.ItemOffsets.ToArray());
        Assert.Equal([0, 1, 1, 0], data.AnswerWorker.ToArray());
        Assert.Equal([1, 0, 0, 1], data.AnswerLabel.ToArray());
        // Worker w1 answered i2 with b (position 0) and i1 with b (position 3).
        var w1 = data.WorkerAnswers[data.WorkerOffsets[0]..data.WorkerOffsets[1]].ToArray();
        Assert.Equal([0, 3], w1);
        Assert.All(w1, p => Assert.Equal(1, data.AnswerLabel[p]));
    }

    [Fact]
    public void Create_IntegerLabels_SortsThemNumerically()
    {
        var data = AnswerMatrix.Create([new("i", "w", "10"), new("i", "v", "9"), new("i", "u", "2")]);

        Assert.Equal(["2", "9", "10"], data.Labels);
    }

    [Fact]
    public void Create_LabelOutsideSchema_ThrowsNamingTheLabelAndTheSchema()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            AnswerMatrix.Create([new("i1", "w1", "cat"), new("i1", "w2", "dgo")], ["cat", "dog"]));

        Assert.Contains("'dgo'", error.Message);
        Assert.Contains("[cat, dog]", error.Message);
        Assert.Contains("Add it to the schema or correct the answer", error.Message);
    }

    [Fact]
    public void Create_DuplicateSchemaLabel_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => AnswerMatrix.Create([], ["a", "a"]));

        Assert.Contains("'a' twice", error.Message);
    }

    [Fact]
    public void Create_EmptyWorker_ThrowsNamingTheAnswer()
    {
        var error = Assert.Throws<ArgumentException>(() => AnswerMatrix.Create([new("i1", "w1", "a"), new("i2", "", "a")]));

        Assert.Contains("Answer 1", error.Message);
    }

    [Fact]
    public void Create_Abstentions_RegisterItemAndWorkerButNoAnswer()
    {
        var data = AnswerMatrix.Create([new("i1", "w1", "a"), new("i2", "w2", null), new("i1", "w3", "")]);

        Assert.Equal(2, data.ItemCount);
        Assert.Equal(3, data.WorkerCount);
        Assert.Equal(1, data.AnswerCount);
        Assert.Equal(0, data.AnswersOnItem(data.IndexOfItem("i2")));
        Assert.Equal(0, data.AnswersOfWorker(data.IndexOfWorker("w3")));
    }

    [Fact]
    public void Create_SchemaWithUnusedLabel_KeepsItAsAClass()
    {
        var data = AnswerMatrix.Create([new("i1", "w1", "b")], ["a", "b", "c"]);

        Assert.Equal(3, data.ClassCount);
        Assert.Equal(2, data.IndexOfLabel("c"));
        Assert.Equal(-1, data.IndexOfLabel("d"));
    }
}
