using System.Globalization;

namespace Labeling.Domain.TruthInference;

/// <summary>
/// A crowdsourcing data set encoded with dense indices: items, workers and labels are mapped to
/// <c>0..n-1</c> in order of first appearance (labels in schema order, or sorted), and answers
/// are stored twice, grouped by item and grouped by worker, so that both halves of an EM step
/// are a linear scan.
/// </summary>
/// <remarks>
/// Shapes: <see cref="ItemOffsets"/> has <c>ItemCount + 1</c> entries; answers of item <c>i</c>
/// are <c>AnswerWorker[ItemOffsets[i]..ItemOffsets[i+1]]</c> with labels in the same positions of
/// <see cref="AnswerLabel"/>. <see cref="WorkerOffsets"/> indexes <see cref="WorkerAnswers"/>,
/// which holds positions in the item-ordered arrays. Immutable once built.
/// </remarks>
public sealed class AnswerMatrix
{
    private readonly Dictionary<string, int> _itemIndex;
    private readonly Dictionary<string, int> _workerIndex;
    private readonly Dictionary<string, int> _labelIndex;
    private readonly int[] _itemOffsets;
    private readonly int[] _answerItem;
    private readonly int[] _answerWorker;
    private readonly int[] _answerLabel;
    private readonly int[] _workerOffsets;
    private readonly int[] _workerAnswers;

    private AnswerMatrix(
        string[] items, string[] workers, string[] labels,
        Dictionary<string, int> itemIndex, Dictionary<string, int> workerIndex, Dictionary<string, int> labelIndex,
        int[] itemOffsets, int[] answerItem, int[] answerWorker, int[] answerLabel,
        int[] workerOffsets, int[] workerAnswers)
    {
        Items = items;
        Workers = workers;
        Labels = labels;
        _itemIndex = itemIndex;
        _workerIndex = workerIndex;
        _labelIndex = labelIndex;
        _itemOffsets = itemOffsets;
        _answerItem = answerItem;
        _answerWorker = answerWorker;
        _answerLabel = answerLabel;
        _workerOffsets = workerOffsets;
        _workerAnswers = workerAnswers;
    }

    /// <summary>Item identifiers by dense index.</summary>
    public IReadOnlyList<string> Items { get; }

    /// <summary>Worker (labeler) identifiers by dense index.</summary>
    public IReadOnlyList<string> Workers { get; }

    /// <summary>Labels by dense index (the classes of the model).</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>Number of items, including items whose every answer is an abstention.</summary>
    public int ItemCount => Items.Count;

    /// <summary>Number of workers, including workers who only abstained.</summary>
    public int WorkerCount => Workers.Count;

    /// <summary>Number of classes K.</summary>
    public int ClassCount => Labels.Count;

    /// <summary>Number of non-abstaining answers.</summary>
    public int AnswerCount => _answerLabel.Length;

    /// <summary>Start of each item's answers; length <c>ItemCount + 1</c>.</summary>
    public ReadOnlySpan<int> ItemOffsets => _itemOffsets;

    /// <summary>The item of each answer (item-ordered).</summary>
    public ReadOnlySpan<int> AnswerItem => _answerItem;

    /// <summary>The worker of each answer (item-ordered).</summary>
    public ReadOnlySpan<int> AnswerWorker => _answerWorker;

    /// <summary>The label index of each answer (item-ordered).</summary>
    public ReadOnlySpan<int> AnswerLabel => _answerLabel;

    /// <summary>Start of each worker's answers in <see cref="WorkerAnswers"/>; length <c>WorkerCount + 1</c>.</summary>
    public ReadOnlySpan<int> WorkerOffsets => _workerOffsets;

    /// <summary>Positions (in the item-ordered arrays) of each worker's answers.</summary>
    public ReadOnlySpan<int> WorkerAnswers => _workerAnswers;

    /// <summary>Number of answers the given item received.</summary>
    public int AnswersOnItem(int item) => _itemOffsets[item + 1] - _itemOffsets[item];

    /// <summary>Number of answers the given worker gave.</summary>
    public int AnswersOfWorker(int worker) => _workerOffsets[worker + 1] - _workerOffsets[worker];

    /// <summary>The dense index of an item, or -1 when the data set does not contain it.</summary>
    public int IndexOfItem(string item) => _itemIndex.GetValueOrDefault(item, -1);

    /// <summary>The dense index of a worker, or -1 when the data set does not contain it.</summary>
    public int IndexOfWorker(string worker) => _workerIndex.GetValueOrDefault(worker, -1);

    /// <summary>The dense index of a label, or -1 when it is not one of the classes.</summary>
    public int IndexOfLabel(string label) => _labelIndex.GetValueOrDefault(label, -1);

    /// <summary>
    /// Encodes answers. Labels are taken from <paramref name="labels"/> when given (schema order;
    /// an answer with a label outside it is rejected) and otherwise collected from the answers and
    /// sorted (numerically when every label is an integer, else ordinally), so that results do not
    /// depend on the order answers arrive in.
    /// </summary>
    /// <exception cref="ArgumentException">A label is outside the given schema, a label list has a
    /// duplicate, or an identifier is null or empty.</exception>
    public static AnswerMatrix Create(IEnumerable<Answer> answers, IEnumerable<string>? labels = null)
    {
        ArgumentNullException.ThrowIfNull(answers);
        var list = answers as IReadOnlyList<Answer> ?? answers.ToList();
        var labelArray = labels is null ? CollectLabels(list) : ValidateSchema(labels);
        var labelIndex = new Dictionary<string, int>(labelArray.Length, StringComparer.Ordinal);
        for (var k = 0; k < labelArray.Length; k++) labelIndex[labelArray[k]] = k;

        var itemIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var workerIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var items = new List<string>();
        var workers = new List<string>();
        var rawItem = new List<int>(list.Count);
        var rawWorker = new List<int>(list.Count);
        var rawLabel = new List<int>(list.Count);
        for (var n = 0; n < list.Count; n++)
        {
            var a = list[n];
            if (string.IsNullOrEmpty(a.Item) || string.IsNullOrEmpty(a.Worker))
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Answer {n} has an empty item or worker identifier; every answer needs both."), nameof(answers));
            var i = Intern(itemIndex, items, a.Item);
            var w = Intern(workerIndex, workers, a.Worker);
            if (a.IsAbstention) continue;
            if (!labelIndex.TryGetValue(a.Label!, out var l))
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Answer {n} (item '{a.Item}', worker '{a.Worker}') has label '{a.Label}', which is not in the label schema [{string.Join(", ", labelArray)}]. Add it to the schema or correct the answer."), nameof(answers));
            rawItem.Add(i);
            rawWorker.Add(w);
            rawLabel.Add(l);
        }

        var itemOffsets = CountingOffsets(rawItem, items.Count);
        var answerItem = new int[rawItem.Count];
        var answerWorker = new int[rawItem.Count];
        var answerLabel = new int[rawItem.Count];
        var cursor = (int[])itemOffsets.Clone();
        for (var n = 0; n < rawItem.Count; n++)
        {
            var p = cursor[rawItem[n]]++;
            answerItem[p] = rawItem[n];
            answerWorker[p] = rawWorker[n];
            answerLabel[p] = rawLabel[n];
        }

        var workerOffsets = CountingOffsets(answerWorker, workers.Count);
        var workerAnswers = new int[answerWorker.Length];
        cursor = (int[])workerOffsets.Clone();
        for (var p = 0; p < answerWorker.Length; p++) workerAnswers[cursor[answerWorker[p]]++] = p;

        return new AnswerMatrix(
            items.ToArray(), workers.ToArray(), labelArray, itemIndex, workerIndex, labelIndex,
            itemOffsets, answerItem, answerWorker, answerLabel, workerOffsets, workerAnswers);
    }

    /// <summary>Orders labels numerically when all are integers, else ordinally.</summary>
    public static string[] SortLabels(IEnumerable<string> labels)
    {
        var distinct = labels.Distinct(StringComparer.Ordinal).ToArray();
        if (distinct.All(l => long.TryParse(l, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out _)))
            return distinct.OrderBy(l => long.Parse(l, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return distinct.OrderBy(l => l, StringComparer.Ordinal).ToArray();
    }

    private static string[] CollectLabels(IReadOnlyList<Answer> answers) =>
        SortLabels(answers.Where(a => !a.IsAbstention).Select(a => a.Label!));

    private static string[] ValidateSchema(IEnumerable<string> labels)
    {
        var array = labels.ToArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var l in array)
        {
            if (string.IsNullOrEmpty(l)) throw new ArgumentException("The label schema contains an empty label; remove it.", nameof(labels));
            if (!seen.Add(l)) throw new ArgumentException($"The label schema lists '{l}' twice; each label must appear once.", nameof(labels));
        }
        return array;
    }

    private static int Intern(Dictionary<string, int> index, List<string> names, string name)
    {
        if (index.TryGetValue(name, out var i)) return i;
        i = names.Count;
        index[name] = i;
        names.Add(name);
        return i;
    }

    private static int[] CountingOffsets(IReadOnlyList<int> keys, int count)
    {
        var offsets = new int[count + 1];
        foreach (var k in keys) offsets[k + 1]++;
        for (var k = 0; k < count; k++) offsets[k + 1] += offsets[k];
        return offsets;
    }
}
