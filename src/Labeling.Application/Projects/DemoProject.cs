using Labeling.Domain.Projects;
using Labeling.Domain.Routing;
using Labeling.Domain.Rules;

namespace Labeling.Application.Projects;

/// <summary>
/// The demo project created on first start: spam/ham YouTube comments (the UCI YouTube Spam
/// Collection's CSVs, text in column <c>CONTENT</c>) with a few keyword rules.
/// </summary>
public static class DemoProject
{
    /// <summary>The demo project's id.</summary>
    public const string Id = "demo";

    /// <summary>Builds the demo project.</summary>
    /// <param name="now">Its creation time.</param>
    /// <returns>The project.</returns>
    public static Project Create(DateTimeOffset now) => new(
        Id,
        "YouTube comments: spam or ham",
        new LabelSchema(
            TaskKind.SingleLabel,
            [
                new LabelDefinition("spam", "Self-promotion, links, requests to subscribe or visit a channel, scams."),
                new LabelDefinition("ham", "A genuine comment about the video or the song."),
            ],
            "Read the YouTube comment. Is it spam (promotion, links, 'check out my channel') or ham (a real comment)? If you cannot tell, answer unsure."),
        [
            new LabelRule { Id = "subscribe", Label = "spam", Keywords = ["subscribe"] },
            new LabelRule { Id = "check-out-my", Label = "spam", Keywords = ["check out my", "check my channel"] },
            new LabelRule { Id = "link", Label = "spam", Pattern = @"https?://|www\." },
        ],
        // People trying the demo have no record for the reliability discount to weigh, so the demo
        // stops on the model's posterior, with up to five votes; at 0.8 three agreeing votes from
        // unknown workers decide an item (two give 0.77), which keeps the README walk-through short. A re-fit asks the
        // same 0.8 of a decided label (the default 0.99 would re-open nearly every demo decision).
        new RoutingSettings { CrowdTarget = 0.8, MaxCrowdVotes = 5, ReliabilityDoubt = 0, RecheckTarget = 0.8 },
        "CONTENT",
        now);
}
