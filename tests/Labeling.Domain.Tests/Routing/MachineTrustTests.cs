using Labeling.Domain.Labelers;
using Labeling.Domain.Routing;

namespace Labeling.Domain.Tests.Routing;

public sealed class MachineTrustTests
{
    private static readonly RoutingSettings Settings = new() { TrustMinimumChecked = 10, TrustMinimumAccuracy = 0.9 };

    [Theory]
    [InlineData(0, 0, false)]
    [InlineData(9, 9, false)]
    [InlineData(10, 9, true)]
    [InlineData(10, 8, false)]
    [InlineData(200, 190, true)]
    public void IsTrusted_TrackRecord_NeedsEnoughCheckedVotesWithEnoughAgreement(long checkedVotes, long agreed, bool trusted)
    {
        Assert.Equal(trusted, MachineTrust.IsTrusted(new MachineTrack("rule:x", checkedVotes, agreed), Settings));
    }

    [Fact]
    public void Supports_TrustedRuleVotedOtherLabel_IsFalse()
    {
        var tracks = new Dictionary<string, MachineTrack> { ["rule:a"] = new("rule:a", 50, 50) };

        Assert.False(MachineTrust.Supports([("rule:a", "ham")], "spam", tracks, Settings));
        Assert.True(MachineTrust.Supports([("rule:a", "spam")], "spam", tracks, Settings));
    }

    [Fact]
    public void Supports_NewRuleOnDayOne_IsFalse()
    {
        Assert.False(MachineTrust.Supports([("rule:new", "spam")], "spam", new Dictionary<string, MachineTrack>(), Settings));
    }
}
