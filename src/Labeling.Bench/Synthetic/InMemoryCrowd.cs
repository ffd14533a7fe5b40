using System.Globalization;
using Labeling.Domain.TruthInference;

namespace Labeling.Bench.Synthetic;

/// <summary>
/// Collects a simulated crowd as <see cref="Answer"/>s (identifiers as decimal strings, each
/// distinct string allocated once) and the true class of every item.
/// </summary>
internal sealed class InMemoryCrowd : ICrowdSink
{
    private readonly string[] _workerNames;
    private readonly string[] _labelNames;
    private readonly List<Answer> _answers;
    private readonly int[] _truth;
    private string _currentItemName = "";

    public InMemoryCrowd(SyntheticCrowdOptions options)
    {
        _workerNames = Names(options.Workers);
        _labelNames = Names(options.Labels);
        _answers = new List<Answer>((int)options.AnswerCount);
        _truth = new int[options.Items];
    }

    /// <summary>Draws the crowd described by <paramref name="options"/> into memory.</summary>
    public static InMemoryCrowd Generate(SyntheticCrowdOptions options)
    {
        var crowd = new InMemoryCrowd(options);
        new SyntheticCrowd(options).Generate(crowd);
        return crowd;
    }

    /// <summary>The answers in generation order (item by item).</summary>
    public List<Answer> Answers => _answers;

    /// <summary>The label names "0".."K-1", in class order.</summary>
    public IReadOnlyList<string> Labels => _labelNames;

    /// <summary>The true class of item i (its name is i in decimal).</summary>
    public IReadOnlyList<int> Truth => _truth;

    public void Item(int item, int truth)
    {
        _truth[item] = truth;
        _currentItemName = item.ToString(CultureInfo.InvariantCulture);
    }

    public void Vote(int item, int worker, int label) =>
        _answers.Add(new Answer(_currentItemName, _workerNames[worker], _labelNames[label]));

    /// <summary>Accuracy of <paramref name="result"/> against the simulated truth.</summary>
    public double Accuracy(InferenceResult result)
    {
        var correct = 0;
        for (var i = 0; i < result.Data.ItemCount; i++)
        {
            var item = int.Parse(result.Data.Items[i], CultureInfo.InvariantCulture);
            if (result.PredictedLabel(i) == _labelNames[_truth[item]]) correct++;
        }
        return (double)correct / _truth.Length;
    }

    private static string[] Names(int count) =>
        Enumerable.Range(0, count).Select(n => n.ToString(CultureInfo.InvariantCulture)).ToArray();
}
