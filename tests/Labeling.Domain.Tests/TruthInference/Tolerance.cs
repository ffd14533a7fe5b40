namespace Labeling.Domain.Tests.TruthInference;

/// <summary>Compares doubles within an absolute tolerance, for Assert.Equal over sequences.</summary>
internal sealed class Tolerance(double absolute) : IEqualityComparer<double>
{
    public bool Equals(double x, double y) => Math.Abs(x - y) <= absolute;

    public int GetHashCode(double obj) => 0;
}
