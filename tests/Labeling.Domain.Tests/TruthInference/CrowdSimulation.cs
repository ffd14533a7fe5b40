using Labeling.Domain.TruthInference;

namespace Labeling.Domain.Tests.TruthInference;

/// <summary>
/// Seeded synthetic crowds with known truth: each simulated labeler answers from their own
/// confusion matrix, so tests can check both the recovered labels and the recovered confusions.
/// </summary>
internal static class CrowdSimulation
{
    /// <summary>Labels "0".."K-1", so the encoded label index equals the class number.</summary>
    public static string[] Labels(int classes) => Enumerable.Range(0, classes).Select(k => k.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    /// <summary>A labeler right with probability <paramref name="accuracy"/>, wrong uniformly otherwise.</summary>
    public static double[,] OneCoin(int classes, double accuracy)
    {
        var m = new double[classes, classes];
        for (var t = 0; t < classes; t++)
            for (var l = 0; l < classes; l++) m[t, l] = t == l ? accuracy : (1 - accuracy) / (classes - 1);
        return m;
    }

    /// <summary>A spammer who answers every item with the same label.</summary>
    public static double[,] Constant(int classes, int label)
    {
        var m = new double[classes, classes];
        for (var t = 0; t < classes; t++) m[t, label] = 1;
        return m;
    }

    /// <summary>A spammer who answers uniformly at random.</summary>
    public static double[,] Uniform(int classes) => OneCoin(classes, 1.0 / classes);

    /// <summary>An adversary who answers the next class (t + 1 mod K) with probability <paramref name="rate"/>, else the truth.</summary>
    public static double[,] Shifted(int classes, double rate)
    {
        var m = new double[classes, classes];
        for (var t = 0; t < classes; t++)
        {
            m[t, (t + 1) % classes] += rate;
            m[t, t] += 1 - rate;
        }
        return m;
    }

    /// <summary>
    /// Draws truth from <paramref name="classPriors"/> and, for every item, <paramref name="answersPerItem"/>
    /// distinct labelers at random; each answers from their confusion row of the true class.
    /// </summary>
    public static Simulated Generate(int seed, int items, int answersPerItem, IReadOnlyList<double[,]> labelers, double[]? classPriors = null)
    {
        var classes = labelers[0].GetLength(0);
        classPriors ??= Enumerable.Repeat(1.0 / classes, classes).ToArray();
        var random = new Random(seed);
        var labels = Labels(classes);
        var truth = new int[items];
        var answers = new List<Answer>(items * answersPerItem);
        var order = Enumerable.Range(0, labelers.Count).ToArray();
        for (var i = 0; i < items; i++)
        {
            truth[i] = Draw(random, t => classPriors[t], classes);
            random.Shuffle(order);
            for (var n = 0; n < answersPerItem; n++)
            {
                var w = order[n];
                var l = Draw(random, k => labelers[w][truth[i], k], classes);
                answers.Add(new Answer($"i{i}", $"w{w}", labels[l]));
            }
        }
        return new Simulated(AnswerMatrix.Create(answers, labels), truth, labelers, answers);
    }

    private static int Draw(Random random, Func<int, double> weight, int count)
    {
        var u = random.NextDouble();
        for (var k = 0; k < count - 1; k++)
        {
            u -= weight(k);
            if (u < 0) return k;
        }
        return count - 1;
    }
}

/// <summary>A simulated data set: the encoded answers, the true class of item "i{n}", and the labelers' true confusions ("w{n}").</summary>
internal sealed record Simulated(AnswerMatrix Data, int[] Truth, IReadOnlyList<double[,]> Labelers, IReadOnlyList<Answer> Answers)
{
    public double Accuracy(InferenceResult result)
    {
        // Index by the result's own items: an online replay encodes them in arrival order.
        var items = result.Data.Items;
        var correct = 0;
        for (var i = 0; i < items.Count; i++)
            if (result.PredictedIndex(i) == Truth[int.Parse(items[i].AsSpan(1), System.Globalization.CultureInfo.InvariantCulture)]) correct++;
        return (double)correct / items.Count;
    }

    public double[,] TrueConfusion(int worker) => Labelers[int.Parse(Data.Workers[worker].AsSpan(1), System.Globalization.CultureInfo.InvariantCulture)];
}
