namespace Labeling.Application.Labelers;

/// <summary>
/// The answer of <c>GET /api/projects/{id}/labelers</c>: what the project's truth model has learned of each labeler, a
/// page at a time in labeler id order.
/// </summary>
/// <param name="ProjectId">The project.</param>
/// <param name="ClassPrior">The model's class distribution, by label.</param>
/// <param name="CheckedItems">The checked items the class distribution and the rules' firing rates are learned from
/// (items a labeler that is not a rule answered, or gold), in expected items.</param>
/// <param name="Labelers">This page of labelers.</param>
public sealed record LabelerReliabilityPage(
    string ProjectId,
    IReadOnlyDictionary<string, double> ClassPrior,
    double CheckedItems,
    IReadOnlyList<LabelerReliabilityView> Labelers)
{
    /// <summary>
    /// The <c>after</c> of the next page (this page's last labeler); absent on the last page. A page may hold fewer
    /// labelers than a caller's usual limit (a project with many labels pages fewer), so follow this rather than a count.
    /// </summary>
    public string? Next { get; init; }
}
