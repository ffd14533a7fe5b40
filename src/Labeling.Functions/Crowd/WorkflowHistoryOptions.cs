using System.ComponentModel.DataAnnotations;

namespace Labeling.Functions.Crowd;

/// <summary>How long the task hub keeps the history of crowd workflows that have ended (section <c>WorkflowHistory</c>).</summary>
public sealed class WorkflowHistoryOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "WorkflowHistory";

    /// <summary>
    /// A workflow created longer ago than this that has completed, failed or been terminated is purged from the task hub
    /// (its history rows, instance row and large-message blobs); running ones are kept however old. Default 30 days:
    /// time to read a failed workflow's history before it goes. The item, its votes and its events live in Cosmos DB and
    /// are not touched.
    /// </summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);
}
