using System.ComponentModel.DataAnnotations;

namespace Labeling.Application;

/// <summary>Settings of the labeling use cases and HTTP API. Bound from the <c>Labeling</c> section.</summary>
public sealed class LabelingOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Labeling";

    /// <summary>How long a worker holds a task before it returns to the pool. Default 5 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Requests per second each caller (a token's subject; without one, the client address) may make on
    /// average, with bursts of twice as many; more get 429 with <c>Retry-After</c>. Default 500, far above
    /// what a person labeling needs and above what one benchmark client drives; 0 turns the limit off.
    /// </summary>
    [Range(0, 1_000_000)]
    public int RequestsPerSecondPerCaller { get; set; } = 500;

    /// <summary>Largest document upload accepted, in bytes. Default 20 MB; larger uploads get 413.</summary>
    [Range(1L, 1L << 32)]
    public long MaxUploadBytes { get; set; } = 20L * 1024 * 1024;

    /// <summary>
    /// Largest JSON request body accepted on every route but uploads and gold seeding (which take
    /// <see cref="MaxUploadBytes"/>), in bytes. Default 1 MiB; larger bodies get 413.
    /// </summary>
    [Range(1024L, 1L << 32)]
    public long MaxJsonBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Items per weak-labeling work message (written in one transaction). Default 128, at most
    /// <see cref="MaxWeakLabelBatchSize"/>.
    /// </summary>
    [Range(1, MaxWeakLabelBatchSize)]
    public int WeakLabelBatchSize { get; set; } = 128;

    /// <summary>
    /// The largest <see cref="WeakLabelBatchSize"/>: a message of 1,000 item ids and the longest project id is about
    /// 42 KB once Base64-encoded, within the 64 KB an Azure Storage queue message may hold (the local queue has no limit,
    /// so a larger batch would work on one machine and fail every send on Azure).
    /// </summary>
    public const int MaxWeakLabelBatchSize = 1_000;

    /// <summary>The CloudEvents <c>source</c> prefix; the project id is appended. Default <c>/labeling/projects</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string EventSource { get; set; } = "/labeling/projects";

    /// <summary>Whether to create the demo project (YouTube spam/ham) on first start. Default true.</summary>
    public bool CreateDemoProject { get; set; } = true;
}
