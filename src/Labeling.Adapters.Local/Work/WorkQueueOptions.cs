using System.ComponentModel.DataAnnotations;

namespace Labeling.Adapters.Local.Work;

/// <summary>The local work queue. Bound from the <c>WorkQueue</c> section.</summary>
public sealed class WorkQueueOptions : IValidatableObject
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "WorkQueue";

    /// <summary>How long a received message stays hidden before another receiver may take it. Default 2 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Receives after which a message that keeps failing is moved to poison. Default 5.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>
    /// Wait before a failed message is retried the first time; it doubles with each attempt, up to
    /// <see cref="MaxRetryDelay"/>. Default 2 seconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The longest wait before a failed message is retried: the doubling of <see cref="RetryDelay"/> stops here, and a
    /// message whose failure passes (the database busy, the disk full; its attempt not counted) is retried at least this
    /// often while it lasts. Default 1 minute.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often an idle pump looks for messages. Default 200 ms.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Messages handled in one round before the pump looks at its poll interval again; each is received when its turn
    /// comes. Default 4.
    /// </summary>
    [Range(1, 100)]
    public int BatchSize { get; set; } = 4;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxRetryDelay < RetryDelay)
        {
            yield return new ValidationResult(
                $"WorkQueue:MaxRetryDelay ({MaxRetryDelay:c}) must be at least WorkQueue:RetryDelay ({RetryDelay:c}): it is the longest of the waits that start at RetryDelay.",
                [nameof(MaxRetryDelay)]);
        }
    }
}
