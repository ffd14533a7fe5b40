using Labeling.Domain.Routing;

namespace Labeling.Domain.Tests.Routing;

public sealed class RecheckSettingsTests
{
    [Fact]
    public void Defaults_RecheckOnAtATargetAboveTheCrowdTarget()
    {
        var routing = new RoutingSettings();

        Assert.True(routing.RecheckDecidedLabels);
        Assert.Equal(0.99, routing.RecheckTarget);
        Assert.True(routing.RecheckTarget > routing.CrowdTarget);
        Assert.Empty(routing.Validate());
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(1.01)]
    [InlineData(double.NaN)]
    public void Validate_RecheckTargetNotAProbabilityAboveAHalf_NamesTheSettingAndTheSwitch(double target)
    {
        var error = Assert.Single(new RoutingSettings { RecheckTarget = target }.Validate());

        Assert.Contains("routing.recheckTarget", error, StringComparison.Ordinal);
        Assert.Contains("routing.recheckDecidedLabels", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.51)]
    [InlineData(0.95)]
    [InlineData(1.0)]
    public void Validate_RecheckTargetInRange_IsAccepted(double target) =>
        Assert.Empty(new RoutingSettings { RecheckTarget = target }.Validate());
}
