using Labeling.Bench.Terminal;
using Labeling.Domain.TruthInference;

namespace Labeling.Bench.Methods;

/// <summary>Every method the bench can run: the registered batch methods plus online Dawid–Skene.</summary>
internal static class BenchMethods
{
    /// <summary>All names, batch methods first in registration order.</summary>
    public static IReadOnlyList<string> Names =>
        [.. InferenceMethods.Names, OnlineDawidSkeneBenchMethod.MethodName];

    /// <summary>The method named <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="UsageException">The name is not known; the message lists the known ones.</exception>
    public static IBenchMethod Create(string name)
    {
        if (name.Equals(OnlineDawidSkeneBenchMethod.MethodName, StringComparison.OrdinalIgnoreCase))
            return new OnlineDawidSkeneBenchMethod();
        var registered = InferenceMethods.Names.FirstOrDefault(n => n.Equals(name, StringComparison.OrdinalIgnoreCase));
        return registered is not null
            ? new BatchBenchMethod(registered)
            : throw new UsageException($"Unknown method '{name}'. Known methods: {string.Join(", ", Names)}.");
    }
}
