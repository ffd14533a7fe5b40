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
    [InlineData(0.8, 0.9333)]
    [InlineData(0.9, 0.9667)]
    [InlineData(0.95, 0.9833)]
    [InlineData(0.97, 0.99)]
    [InlineData(1.0, 1.0)]
    [InlineData(0.9999, 0.99996666666666667)]
    public void RecheckTarget_Unset_FollowsTheCrowdTarget(double crowdTarget, double recheck)
    {
        // A fixed 0.99 re-opened every decision of a project deciding at 0.8 at its first re-fit (unanimous votes read at 0.98).
        var routing = new RoutingSettings { CrowdTarget = crowdTarget };

        // Never rounded up to 1 below a crowd target of 1: no decision could stay (0.9999 gave 1.0).
        Assert.Equal(recheck, routing.RecheckTarget, 12);
        Assert.Equal(recheck, (new RoutingSettings() with { CrowdTarget = crowdTarget }).RecheckTarget, 12);
        Assert.Equal(0.98, (routing with { RecheckTarget = 0.98 }).RecheckTarget);
        Assert.Equal(0.98, (new RoutingSettings { RecheckTarget = 0.98 } with { CrowdTarget = crowdTarget }).RecheckTarget);
    }

    [Fact]
    public void RecheckTarget_RoundTripsThroughJson_AsTheValueInForce()
    {
        var json = System.Text.Json.JsonSerializer.Serialize(new RoutingSettings { CrowdTarget = 0.8 });
        var read = System.Text.Json.JsonSerializer.Deserialize<RoutingSettings>(json)!;

        Assert.Contains("\"RecheckTarget\":0.9333", json, StringComparison.Ordinal);
        Assert.Equal(0.9333, read.RecheckTarget);
        Assert.Equal(0.99, System.Text.Json.JsonSerializer.Deserialize<RoutingSettings>("{}")!.RecheckTarget);
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
