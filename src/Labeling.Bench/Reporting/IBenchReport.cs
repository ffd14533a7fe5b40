using Labeling.Bench.Evaluation;

namespace Labeling.Bench.Reporting;

/// <summary>Where inference rows go, in the order they are measured.</summary>
internal interface IBenchReport
{
    /// <summary>Adds one row.</summary>
    void Add(BenchRow row);

    /// <summary>Called once after the last row.</summary>
    void Complete();
}
