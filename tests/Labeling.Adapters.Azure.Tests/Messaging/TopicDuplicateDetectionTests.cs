using System.Text.RegularExpressions;
using System.Xml;
using Labeling.Application.Events;
using Labeling.TestSupport;

namespace Labeling.Adapters.Azure.Tests.Messaging;

/// <summary>
/// The topic drops a re-published <c>label.ready</c> (same MessageId) for as long as the outbox may publish it again on its
/// own: a send that succeeded but whose delivery could not be marked is retried on the outbox's schedule, and with a
/// window shorter than that schedule the retry reaches subscribers as a second message.
/// </summary>
public sealed partial class TopicDuplicateDetectionTests
{
    [Fact]
    public void DuplicateDetectionWindow_OutlastsTheOutboxRetries()
    {
        var bicep = RepositoryFiles.ReadAllText("infra", "app", "servicebus.bicep");
        var match = Window().Match(bicep);
        Assert.True(match.Success, "servicebus.bicep sets no duplicateDetectionHistoryTimeWindow.");
        Assert.Contains("requiresDuplicateDetection: true", bicep, StringComparison.Ordinal);
        var options = new EventDeliveryOptions();
        var retries = Enumerable.Range(1, options.MaxAttempts - 1).Aggregate(TimeSpan.Zero, (sum, failures) => sum + options.BackoffAfter(failures));

        var window = XmlConvert.ToTimeSpan(match.Groups[1].Value);

        Assert.True(window > retries, $"The topic remembers message ids for {window}; the outbox retries a publish for {retries}.");
        Assert.True(window <= TimeSpan.FromDays(7), "Service Bus allows at most 7 days.");
    }

    [GeneratedRegex(@"duplicateDetectionHistoryTimeWindow: '([^']+)'")]
    private static partial Regex Window();
}
