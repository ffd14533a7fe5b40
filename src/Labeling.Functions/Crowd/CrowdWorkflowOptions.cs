using System.ComponentModel.DataAnnotations;

namespace Labeling.Functions.Crowd;

/// <summary>How the crowd workflow of each item waits (section <c>CrowdWorkflow</c>).</summary>
public sealed class CrowdWorkflowOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "CrowdWorkflow";

    /// <summary>
    /// How long an item's workflow waits for a vote before it reads the item again, to end when the item left
    /// <c>collecting</c> some other way (a reviewer, a spent budget, the re-fit sending it to review). Nothing else happens
    /// on that wake: a lease that runs out returns its item to the pool by itself (task requests judge holds by their time),
    /// and every vote wakes the workflow at once. Each wake is an activity, two Cosmos DB point reads and a few task-hub
    /// transactions per collecting item, so the wait sets what idle items cost: default 1 hour (it was the lease duration,
    /// 5 minutes, twelve times as many). At least 1 second (tests), at most 1 day.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan IdleCheck { get; set; } = TimeSpan.FromHours(1);
}
