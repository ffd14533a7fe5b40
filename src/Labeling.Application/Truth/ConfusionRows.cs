using Labeling.Domain.TruthInference;

namespace Labeling.Application.Truth;

/// <summary>A confusion matrix (or a rule's firing rates) as the API writes it: <c>{truth: {answer: p}}</c>, four decimals.</summary>
internal static class ConfusionRows
{
    /// <summary>The matrix by label names.</summary>
    /// <param name="matrix">The matrix, in schema order.</param>
    /// <param name="names">The labels, in schema order.</param>
    /// <returns>Truth label → answer label → value.</returns>
    public static Dictionary<string, IReadOnlyDictionary<string, double>> ByLabel(ConfusionMatrix matrix, IReadOnlyList<string> names)
    {
        var rows = new Dictionary<string, IReadOnlyDictionary<string, double>>(StringComparer.Ordinal);
        for (var t = 0; t < names.Count; t++)
        {
            var row = new Dictionary<string, double>(StringComparer.Ordinal);
            for (var l = 0; l < names.Count; l++)
            {
                row[names[l]] = Math.Round(matrix[t, l], 4);
            }

            rows[names[t]] = row;
        }

        return rows;
    }
}
