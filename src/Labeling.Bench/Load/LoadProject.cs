using System.Globalization;
using System.Text;
using Labeling.Application.Projects;
using Labeling.Bench.Live;

namespace Labeling.Bench.Load;

/// <summary>
/// A throw-away project for the load commands: labels <c>a</c> and <c>b</c>, no rules, default routing, so the server
/// does a default project's work. That includes worker retirement: the load's voters answer at random, and when one of
/// them happens to read as informative, the guard in WorkerRetirementCheck lets the project retire the others (the
/// load then goes on with the workers left; <c>http-load</c> prints how many were retired).
/// </summary>
internal static class LoadProject
{
    /// <summary>The labels of load projects.</summary>
    public static IReadOnlyList<string> Labels { get; } = ["a", "b"];

    /// <summary>Creates a project named <c>{prefix}-{random}</c> and returns its id.</summary>
    public static async Task<string> CreateAsync(LabelingApiClient api, string admin, string prefix, CancellationToken ct)
    {
        var id = prefix + "-" + Guid.NewGuid().ToString("N")[..8];
        await api.CreateProjectAsync(admin, new CreateProjectRequest(id, id, null, Labels.Select(l => new LabelRequest(l, null)).ToList(),
            "Load test.", [], null, "text"), ct).ConfigureAwait(false);
        return id;
    }

    /// <summary>A CSV document <c>text</c> of <paramref name="items"/> distinct one-line items.</summary>
    public static byte[] Document(string projectId, int items)
    {
        var csv = new StringBuilder("text\n", items * 40);
        for (var i = 0; i < items; i++)
            csv.Append(CultureInfo.InvariantCulture, $"load item {i} of {projectId}\n");
        return Encoding.UTF8.GetBytes(csv.ToString());
    }
}
