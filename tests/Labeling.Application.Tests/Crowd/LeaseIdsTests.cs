using Labeling.Application.Crowd;

namespace Labeling.Application.Tests.Crowd;

public sealed class LeaseIdsTests
{
    [Fact]
    public void New_GivesDistinctVersion7IdsOfTheMillisecond()
    {
        var now = DateTimeOffset.Parse("2026-11-30T01:02:03.456Z", System.Globalization.CultureInfo.InvariantCulture);

        var ids = LeaseIds.New(now, 8);

        Assert.Equal(8, ids.Length);
        Assert.Equal(8, ids.Distinct(StringComparer.Ordinal).Count());
        foreach (var id in ids)
        {
            Assert.StartsWith("lse_", id, StringComparison.Ordinal);
            var guid = Guid.ParseExact(id["lse_".Length..], "N");
            Assert.Equal(7, guid.Version);
            Assert.Equal(0b10, guid.Variant >> 2);

            // The first 48 bits are the Unix millisecond, as in Guid.CreateVersion7.
            Assert.Equal(now.ToUnixTimeMilliseconds(), Convert.ToInt64(id.Substring("lse_".Length, 12), 16));
            Assert.Equal(Guid.CreateVersion7(now).ToString("N")[..12], id.Substring("lse_".Length, 12));
        }
    }

    [Fact]
    public void New_OrdersIdsOfLaterMillisecondsAfter()
    {
        var now = DateTimeOffset.UnixEpoch.AddYears(56);

        var earlier = LeaseIds.New(now, 8);
        var later = LeaseIds.New(now.AddMilliseconds(1), 8);

        Assert.All(earlier, e => Assert.All(later, l => Assert.True(string.CompareOrdinal(e, l) < 0, $"{e} is not before {l}")));
    }

    [Fact]
    public void New_OfManyRoundsRepeatsNoId()
    {
        var now = DateTimeOffset.UnixEpoch.AddYears(56);

        var ids = Enumerable.Range(0, 2_000).SelectMany(_ => LeaseIds.New(now, 8)).ToList();

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Empty(LeaseIds.New(now, 0));
        Assert.Equal(40, LeaseIds.New(now, 40).Distinct(StringComparer.Ordinal).Count());
    }
}
