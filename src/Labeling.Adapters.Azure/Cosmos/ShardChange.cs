using System.Globalization;
using Microsoft.Azure.Cosmos;
using static Labeling.Adapters.Azure.Cosmos.CosmosDocuments;

namespace Labeling.Adapters.Azure.Cosmos;

/// <summary>
/// What one commit adds to one labeler's statistics shard: count differences per capability (with the
/// statistics' time and community membership, which replace the shard's), track-record increments and votes.
/// </summary>
/// <param name="Capabilities">Count differences by capability.</param>
/// <param name="Checked">Decisions the labeler's vote was checked against.</param>
/// <param name="Agreed">Of those, decisions it agreed with.</param>
/// <param name="Votes">Votes cast.</param>
/// <param name="Unsure">"Unsure" answers among them.</param>
internal sealed record ShardChange(IReadOnlyDictionary<string, CapabilityCounts> Capabilities, long Checked, long Agreed, long Votes, long Unsure = 0)
{
    /// <summary>The change as patch operations on an existing shard that already has these capabilities.</summary>
    public IReadOnlyList<PatchOperation> Operations()
    {
        var operations = new List<PatchOperation>();
        foreach (var (capability, change) in Capabilities)
        {
            var path = "/statistics/" + PatchUpdate.Segment(capability);
            for (var n = 0; n < change.Counts.Length; n++)
            {
                // The first count always goes, even unchanged: it fails the patch when the shard has no counts for
                // this capability yet. Sets alone would not (the emulator then writes them one level up).
                if (change.Counts[n] != 0 || n == 0)
                {
                    operations.Add(PatchOperation.Increment(string.Create(CultureInfo.InvariantCulture, $"{path}/counts/{n}"), change.Counts[n]));
                }
            }

            if (change.UpdatedAt is { } at)
            {
                operations.Add(PatchOperation.Set($"{path}/updatedAt", at));
            }

            if (change.Membership is { } membership)
            {
                operations.Add(PatchOperation.Set($"{path}/membership", membership));
                operations.Add(PatchOperation.Set($"{path}/evidenceAtRefresh", change.EvidenceAtRefresh));
            }
        }

        Increment(operations, "/checked", Checked);
        Increment(operations, "/agreed", Agreed);
        Increment(operations, "/votes", Votes);
        Increment(operations, "/unsure", Unsure);
        return operations;
    }

    /// <summary>The shard with the change applied, for a read-modify-write.</summary>
    public LabelerShard AddTo(LabelerShard shard)
    {
        var merged = new Dictionary<string, CapabilityCounts>(shard.Statistics, StringComparer.Ordinal);
        foreach (var (capability, change) in Capabilities)
        {
            merged[capability] = merged.TryGetValue(capability, out var existing)
                ? new CapabilityCounts(
                    CosmosLabelerStore.Add(existing.Counts, change.Counts),
                    CosmosLabelerStore.Max(existing.UpdatedAt, change.UpdatedAt),
                    change.Membership ?? existing.Membership,
                    change.Membership is null ? existing.EvidenceAtRefresh : change.EvidenceAtRefresh)
                : change;
        }

        return shard with
        {
            Statistics = merged,
            Checked = shard.Checked + Checked,
            Agreed = shard.Agreed + Agreed,
            Votes = shard.Votes + Votes,
            Unsure = shard.Unsure + Unsure,
        };
    }

    private static void Increment(List<PatchOperation> operations, string path, long by)
    {
        if (by != 0)
        {
            operations.Add(PatchOperation.Increment(path, by));
        }
    }
}
