using System.ComponentModel.DataAnnotations;

namespace Labeling.Application.Truth;

/// <summary>Settings of the periodic batch re-fit of reliabilities. Bound from the <c>Refit</c> section.</summary>
public sealed class ReliabilityRefitOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Refit";

    /// <summary>Items with a vote this recent are re-fitted in batch; older items keep their online posterior. Default 30 days.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromDays(30);

    /// <summary>At most this many disagreeing items are listed in a report (all are counted in the log). Default 200.</summary>
    [Range(0, 100_000)]
    public int MaxDisagreementsListed { get; set; } = 200;

    /// <summary>
    /// Whether a re-fit relabels crowd-decided items whose batch label differs from the decided one and reaches
    /// <see cref="RevisionConfidence"/>, with a new <c>label.ready</c> per item, and shows the batch posterior on items
    /// in review whose most likely label it changes (<see cref="LabelRevision"/>), and sends the crowd decisions it doubts
    /// back for more votes where the project re-checks them (<see cref="LabelRecheck"/>). Default true; false leaves every
    /// label as it is and re-opens nothing (items nobody is left to ask still go to review: that is routing,
    /// <see cref="Domain.Routing.RoutingSettings.ReopenedReviewHours"/>).
    /// </summary>
    public bool ReviseLabels { get; set; } = true;

    /// <summary>
    /// The batch posterior a different label needs to replace a crowd decision; null (the default) takes each
    /// project's <c>routing.crowdTarget</c>, the confidence the decision itself had to reach.
    /// </summary>
    [Range(0.5, 1.0)]
    public double? RevisionConfidence { get; set; }

    /// <summary>
    /// How often the local server re-fits every project (the Functions app uses the <c>RefitReliabilitiesSchedule</c>
    /// app setting instead); <c>00:00:00</c> turns the periodic re-fit off (<c>POST /api/projects/{id}/refit</c> still
    /// runs one). Default one hour; at most 49 days, the longest period a .NET timer takes (a longer one crashed the
    /// server after it started).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "49.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How firmly the class mix of the undecided items (in review, or still collecting and never re-opened) is held to the
    /// project's: the re-fit reads those items with a class prior learned from them
    /// (<see cref="Domain.TruthInference.ClassPriorShift"/>), shrunk towards the project's prior by this many
    /// pseudo-items. Default 10, so a handful of undecided items cannot swing it; a very large value reads them with the
    /// project's prior, as the decided items are read.
    /// </summary>
    [Range(0.0, 1e12)]
    public double UndecidedPriorStrength { get; set; } = 10.0;

    /// <summary>A labeler whose accuracy moves by more than this is logged as a warning. Default 0.1.</summary>
    [Range(0.0, 1.0)]
    public double AccuracyChangeWarning { get; set; } = 0.1;
}
