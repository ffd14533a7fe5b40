using Labeling.Application.Events;

namespace Labeling.Application.Tests.Events;

/// <summary>How long a destination may be down before its events are dead-lettered, at the defaults.</summary>
public sealed class EventDeliveryOptionsTests
{
    [Fact]
    public void Defaults_RetryADestinationForOverTwoHours_BeforeDeadLettering()
    {
        // The defaults were 8 attempts from 1 s doubling to 5 min: a receiver down for two minutes (a deploy) had every
        // event of that time dead-lettered.
        var options = new EventDeliveryOptions();

        var window = Enumerable.Range(1, options.MaxAttempts - 1).Aggregate(TimeSpan.Zero, (sum, failures) => sum + options.BackoffAfter(failures));

        Assert.InRange(window, TimeSpan.FromHours(2), TimeSpan.FromHours(3));
        Assert.Equal(TimeSpan.FromSeconds(5), options.BackoffAfter(1));
        Assert.Equal(TimeSpan.FromHours(1), options.BackoffAfter(options.MaxAttempts - 1));
    }
}
