using Labeling.Domain.Projects;

namespace Labeling.Application.Items;

/// <summary>Presents a posterior as label → probability.</summary>
internal static class PosteriorView
{
    public static IReadOnlyDictionary<string, double>? ByLabel(IReadOnlyList<double>? posterior, LabelSchema schema)
    {
        if (posterior is null)
        {
            return null;
        }

        var view = new Dictionary<string, double>(schema.Labels.Count, StringComparer.Ordinal);
        for (var k = 0; k < schema.Labels.Count && k < posterior.Count; k++)
        {
            view[schema.Labels[k].Name] = Math.Round(posterior[k], 6);
        }

        return view;
    }
}
