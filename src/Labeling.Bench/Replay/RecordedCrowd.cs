using Labeling.Bench.Datasets;
using Labeling.Domain.TruthInference;

namespace Labeling.Bench.Replay;

/// <summary>
/// A data set as recorded workers: items in order of first appearance in answers.csv (the upload
/// order), each worker's answers by item, and the labels the project offers.
/// </summary>
/// <remarks>
/// Abstentions (empty labels) are no answer: a worker with only an abstention on an item cannot vote
/// on it. A worker listed twice on one item keeps its first answer. What is left (<see cref="Castable"/>) is what a
/// replay could cast, and what its savings and the batch DS reference are measured on.
/// </remarks>
internal sealed class RecordedCrowd
{
    private readonly Dictionary<string, int> _itemIndex = new(StringComparer.Ordinal);

    private RecordedCrowd(Dataset dataset)
    {
        Dataset = dataset;
        var workerIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var items = new List<string>();
        var workers = new List<string>();
        var answers = new List<Dictionary<int, string>>();
        var castable = new List<Answer>();
        foreach (var answer in dataset.Answers)
        {
            if (!_itemIndex.TryGetValue(answer.Item, out var item))
            {
                item = items.Count;
                _itemIndex[answer.Item] = item;
                items.Add(answer.Item);
            }
            if (answer.IsAbstention) continue;
            if (!workerIndex.TryGetValue(answer.Worker, out var worker))
            {
                worker = workers.Count;
                workerIndex[answer.Worker] = worker;
                workers.Add(answer.Worker);
                answers.Add([]);
            }
            if (answers[worker].TryAdd(item, answer.Label!)) castable.Add(answer);
        }
        Items = items;
        Workers = workers;
        Answers = answers;
        Castable = castable;
    }

    /// <summary>The data set read from disk.</summary>
    public Dataset Dataset { get; }

    /// <summary>Item names in upload order; an item's index is its position here.</summary>
    public IReadOnlyList<string> Items { get; }

    /// <summary>Worker names (the <c>sub</c> of their tokens); a worker's index is its position here.</summary>
    public IReadOnlyList<string> Workers { get; }

    /// <summary>Each worker's recorded label per item index.</summary>
    public IReadOnlyList<Dictionary<int, string>> Answers { get; }

    /// <summary>The project's labels: the labels answers use, numerically sorted when they are integers.</summary>
    public IReadOnlyList<string> Labels => Dataset.AnswerLabels;

    /// <summary>
    /// The recorded answers a replay can cast, in the order of answers.csv: each worker's first label on an item (an
    /// abstention, or a worker's second row on an item, is none).
    /// </summary>
    public IReadOnlyList<Answer> Castable { get; }

    /// <summary>
    /// The votes a full replay would spend (<see cref="Castable"/>): the rows of answers.csv less abstentions and repeated
    /// rows, which no replay casts, so they cannot count as saved.
    /// </summary>
    public int VotesRecorded => Castable.Count;

    /// <summary>Builds the crowd of <paramref name="dataset"/>.</summary>
    public static RecordedCrowd Of(Dataset dataset) => new(dataset);

    /// <summary>The index of item <paramref name="name"/>, or -1 when answers.csv never names it.</summary>
    public int IndexOfItem(string name) => _itemIndex.TryGetValue(name, out var index) ? index : -1;
}
