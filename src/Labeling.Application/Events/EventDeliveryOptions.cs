using System.ComponentModel.DataAnnotations;

namespace Labeling.Application.Events;

/// <summary>How outbox events are delivered. Bound from the <c>Events</c> section.</summary>
public sealed class EventDeliveryOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Events";

    /// <summary>
    /// Delivery attempts per destination before an event is dead-lettered. Default 12: with the default back-off the
    /// retries span about two and a half hours (5 s doubling to 1 h), so a receiver down for a deploy or a short outage
    /// gets every event without anyone redelivering dead letters (8 attempts from 1 s to 5 min spanned two minutes).
    /// </summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 12;

    /// <summary>Wait before the first retry; doubles with every failure. Default 5 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait between retries. Default 1 hour.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often the dispatcher looks for due events when idle. Default 500 ms.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Events read per destination per round. Default 100.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>The wait before retry number <paramref name="failures"/> + 1: initial × 2^(failures − 1), capped.</summary>
    /// <param name="failures">Failed attempts so far (at least 1).</param>
    /// <returns>The back-off.</returns>
    public TimeSpan BackoffAfter(int failures)
    {
        var exponent = Math.Clamp(failures - 1, 0, 30);
        var ticks = InitialBackoff.Ticks * Math.Pow(2, exponent);
        return ticks >= MaxBackoff.Ticks ? MaxBackoff : TimeSpan.FromTicks((long)ticks);
    }
}
