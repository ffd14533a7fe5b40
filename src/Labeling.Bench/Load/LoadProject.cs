using System.Globalization;
using System.Text;
using Labeling.Application.Projects;
using Labeling.Bench.Live;
using Labeling.Domain.Routing;

namespace Labeling.Bench.Load;

/// <summary>
/// A throw-away project for the load commands: labels <c>a</c> and <c>b</c>, no rules, default routing but for worker
/// retirement, which is off. The load's voters answer at random, so they are uninformative by construction; when one of
/// them happened to read as informative by chance, the guard in WorkerRetirementCheck let the project retire others
/// part-way through a run (in about one run in fifteen), and the rest of the run measured fewer workers, each closer to
/// the per-caller rate limit. The check itself costs nothing measurable on the lease path (docs/benchmarks.md, "After
/// worker retirement and label revision"); <c>http-load</c> still handles and counts a retired worker.
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
            "Load test.", [], new RoutingSettings { RetireUninformativeWorkers = false }, "text"), ct).ConfigureAwait(false);
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
