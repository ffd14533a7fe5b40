using System.Globalization;
using Labeling.Bench.Datasets;

namespace Labeling.Bench.Evaluation;

/// <summary>How much of truth.csv the answers can speak to; every shortfall counts as wrong.</summary>
/// <param name="UnknownItems">Truth rows whose item never appears in answers.csv.</param>
/// <param name="UnansweredItems">Truth rows whose item appears in answers.csv only with abstentions.</param>
/// <param name="UnseenLabels">Truth rows whose label no answer uses.</param>
internal readonly record struct TruthCoverage(int UnknownItems, int UnansweredItems, int UnseenLabels)
{
    /// <summary>Measures <paramref name="dataset"/>.</summary>
    public static TruthCoverage Of(Dataset dataset)
    {
        var answered = new HashSet<string>(StringComparer.Ordinal);
        var mentioned = new HashSet<string>(StringComparer.Ordinal);
        foreach (var answer in dataset.Answers)
        {
            mentioned.Add(answer.Item);
            if (!answer.IsAbstention) answered.Add(answer.Item);
        }
        var labels = new HashSet<string>(dataset.AnswerLabels, StringComparer.Ordinal);
        int unknown = 0, unanswered = 0, unseen = 0;
        foreach (var row in dataset.Truth)
        {
            if (!mentioned.Contains(row.Item)) unknown++;
            else if (!answered.Contains(row.Item)) unanswered++;
            if (!labels.Contains(row.Label)) unseen++;
        }
        return new TruthCoverage(unknown, unanswered, unseen);
    }

    /// <summary>One stderr line per kind of shortfall (none when the truth is fully covered).</summary>
    public IEnumerable<string> Notes(string dataset)
    {
        if (UnknownItems > 0)
            yield return string.Create(CultureInfo.InvariantCulture, $"warning: {dataset}: {UnknownItems} truth row(s) name items absent from answers.csv; they count as wrong.");
        if (UnansweredItems > 0)
            yield return string.Create(CultureInfo.InvariantCulture, $"note: {dataset}: {UnansweredItems} truth item(s) have no answers (only abstentions); they count as wrong.");
        if (UnseenLabels > 0)
            yield return string.Create(CultureInfo.InvariantCulture, $"note: {dataset}: {UnseenLabels} truth row(s) have a label no answer uses; they count as wrong.");
    }
}
