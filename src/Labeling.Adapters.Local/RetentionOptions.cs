using System.ComponentModel.DataAnnotations;

namespace Labeling.Adapters.Local;

/// <summary>
/// What the local server prunes, and when (<see cref="Hosting.RetentionService"/>). Bound from the <c>Retention</c> section.
/// A period of <c>00:00:00</c> keeps that kind of record for ever.
/// </summary>
public sealed class RetentionOptions : IValidatableObject
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Retention";

    /// <summary>The shortest period other than 0 that <see cref="IdempotencyKeys"/> takes: a retry comes within minutes.</summary>
    internal static readonly TimeSpan ShortestIdempotencyWindow = TimeSpan.FromHours(1);

    /// <summary>
    /// How often old records are pruned (the first pass a minute after start, or one interval if that is shorter).
    /// Default 1 hour; <c>00:00:00</c> turns pruning off.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "49.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long a lease stays after its vote. The vote's own row remembers who voted on what, so a used lease is read
    /// only by a late retry of that vote (which, once the lease is gone, is answered 404 instead of 409). Leases a worker
    /// released or let expire are not pruned: they are the memory of skips. Default 7 days.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00")]
    public TimeSpan UsedLeases { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long the answer of a request sent with an <c>Idempotency-Key</c> is kept for a retry with that key. After it the
    /// key may be used again. Default 7 days; other than 0, at least 1 hour.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00")]
    public TimeSpan IdempotencyKeys { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long a <c>label.ready</c> event stays in the outbox after it was created, once every configured destination has
    /// it; dead letters and events still pending are kept. A destination added later gets only the events still kept.
    /// Default 7 days, as on Azure (<c>Cosmos:DeliveredEventRetention</c>).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00")]
    public TimeSpan DeliveredEvents { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The newest drift reports kept per project (one per re-fit, hourly by default); older ones are deleted. Default 168 (a week of hourly re-fits); 0 keeps all.</summary>
    [Range(0, int.MaxValue)]
    public int DriftReportsPerProject { get; set; } = 168;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (IdempotencyKeys > TimeSpan.Zero && IdempotencyKeys < ShortestIdempotencyWindow)
        {
            yield return new ValidationResult(
                $"Retention:IdempotencyKeys must be 00:00:00 (keep for ever) or at least {ShortestIdempotencyWindow:c}, so that a client's retry finds the first answer.",
                [nameof(IdempotencyKeys)]);
        }
    }
}
