using System.Globalization;
using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Domain.Labelers;
using Microsoft.Data.Sqlite;

namespace Labeling.Adapters.Local.Sqlite;

/// <summary>Writes the parts of one <see cref="ItemCommit"/> inside an open transaction.</summary>
/// <remarks>
/// The JSON columns are serialized when the writer is created, before the commit queues for its turn:
/// the writes themselves run one after another on the group commit (<see cref="SqliteDatabase.WriteAsync{T}"/>),
/// so only SQL belongs there.
/// </remarks>
internal sealed class SqliteCommitWriter
{
    private readonly ItemCommit _commit;
    private readonly string _projectId;
    private readonly DateTimeOffset _now;
    private readonly (string Body, string? Evidence)[] _itemJson;
    private readonly string[] _statisticsJson;
    private SqliteWrite? _write;

    public SqliteCommitWriter(ItemCommit commit, DateTimeOffset now)
    {
        _commit = commit;
        _projectId = commit.ProjectId;
        _now = now;
        _itemJson = commit.Items.Select(w => (SqliteValues.Json(w.Item), w.Evidence is null ? null : SqliteValues.Json(w.Evidence))).ToArray();
        _statisticsJson = commit.Statistics.Select(SqliteValues.Json).ToArray();
    }

    /// <summary>Runs the commit's statements in <paramref name="write"/>; throws <see cref="ConcurrencyConflictException"/> when a guard fails.</summary>
    public void Write(SqliteWrite write)
    {
        _write = write;
        var commit = _commit;
        // The lease goes first: completing it twice is the surest sign of a replayed vote.
        if (commit.CompletedLeaseId is { } leaseId)
        {
            CompleteLease(leaseId);
        }

        WriteItems(commit.Items);
        WriteVotes(commit);
        WriteStatistics(commit);
        WriteTracks(commit);
        WriteEvents(commit);
        if (commit.Idempotency is { } record)
        {
            var command = Command("INSERT INTO idempotency (caller_id, key, status, body, created_at) VALUES ($c, $k, $s, $b, $at)");
            command.Add("$c", record.CallerId);
            command.Add("$k", record.Key);
            command.Add("$s", record.StatusCode);
            command.Add("$b", record.Body);
            command.Add("$at", SqliteValues.Time(record.CreatedAt));
            command.ExecuteNonQuery();
        }
    }

    private void CompleteLease(string leaseId)
    {
        var command = Command("UPDATE leases SET completed_at = $now WHERE id = $id AND completed_at IS NULL AND released_at IS NULL");
        command.Add("$now", SqliteValues.Time(_now));
        command.Add("$id", leaseId);
        if (command.ExecuteNonQuery() != 1)
        {
            throw new ConcurrencyConflictException($"Lease '{leaseId}' was already used or released.");
        }

        // By primary key: an index on items.lease_id only for this cost a page write on every lease and every vote.
        var release = Command("""
            UPDATE items SET lease_id = NULL, lease_worker = NULL, lease_expires = NULL
            WHERE project_id = $p AND id = (SELECT item_id FROM leases WHERE id = $id) AND lease_id = $id
            """);
        release.Add("$p", _projectId);
        release.Add("$id", leaseId);
        release.ExecuteNonQuery();
    }

    private void WriteItems(IReadOnlyList<ItemWrite> writes)
    {
        if (writes.Count == 0)
        {
            return;
        }

        var command = Command("""
            UPDATE items SET state = $state, crowd_votes = $crowd, revision = $rev, body = $body, evidence = $evidence
            WHERE project_id = $p AND id = $id AND revision = $expected
            """);
        var state = command.Parameters.Add("$state", SqliteType.Text);
        var crowd = command.Parameters.Add("$crowd", SqliteType.Integer);
        var rev = command.Parameters.Add("$rev", SqliteType.Integer);
        var body = command.Parameters.Add("$body", SqliteType.Text);
        var evidence = command.Parameters.Add("$evidence", SqliteType.Text);
        var id = command.Parameters.Add("$id", SqliteType.Text);
        var expected = command.Parameters.Add("$expected", SqliteType.Integer);
        command.Add("$p", _projectId);
        for (var i = 0; i < writes.Count; i++)
        {
            var item = writes[i].Item;
            state.Value = SqliteValues.Name(item.State);
            crowd.Value = item.CrowdVotes;
            rev.Value = item.Revision;
            body.Value = _itemJson[i].Body;
            evidence.Value = (object?)_itemJson[i].Evidence ?? DBNull.Value;
            id.Value = item.Id;
            expected.Value = item.Revision - 1;
            if (command.ExecuteNonQuery() != 1)
            {
                throw new ConcurrencyConflictException(string.Create(CultureInfo.InvariantCulture, $"Item '{item.Id}' changed since it was read (expected revision {item.Revision - 1})."));
            }
        }
    }

    private void WriteVotes(ItemCommit commit)
    {
        if (commit.Votes.Count == 0)
        {
            return;
        }

        var command = Command("""
            INSERT INTO votes (project_id, item_id, labeler_id, kind, label, at, lease_id)
            VALUES ($p, $item, $labeler, $kind, $label, $at, $lease)
            """);
        command.Add("$p", _projectId);
        var item = command.Parameters.Add("$item", SqliteType.Text);
        var labeler = command.Parameters.Add("$labeler", SqliteType.Text);
        var kind = command.Parameters.Add("$kind", SqliteType.Text);
        var label = command.Parameters.Add("$label", SqliteType.Text);
        var at = command.Parameters.Add("$at", SqliteType.Integer);
        var lease = command.Parameters.Add("$lease", SqliteType.Text);

        // Each labeler's own count (a worker's statistics read it) on the labeler's row, which a label vote rewrites anyway;
        // its unsure answers are counted there by a trigger (SqliteSchema.UnsureTrigger).
        var count = Command("""
            INSERT INTO labelers (project_id, labeler_id, kind, votes) VALUES ($p, $l, $kind, 1)
            ON CONFLICT (project_id, labeler_id) DO UPDATE SET votes = votes + 1
            """);
        count.Add("$p", _projectId);
        var countLabeler = count.Parameters.Add("$l", SqliteType.Text);
        var countKind = count.Parameters.Add("$kind", SqliteType.Text);
        foreach (var vote in commit.Votes)
        {
            item.Value = vote.ItemId;
            labeler.Value = vote.LabelerId;
            kind.Value = SqliteValues.Name(vote.Kind);
            label.Value = (object?)vote.Label ?? DBNull.Value;
            at.Value = SqliteValues.Time(vote.At);
            lease.Value = (object?)vote.LeaseId ?? DBNull.Value;
            command.ExecuteNonQuery();
            countLabeler.Value = vote.LabelerId;
            countKind.Value = kind.Value;
            count.ExecuteNonQuery();
        }

        // The budget check on every lease and vote reads this row instead of counting the project's votes.
        var crowd = commit.Votes.Count(v => v.Kind == LabelerKind.Worker);
        var counters = Command("""
            INSERT INTO project_counters (project_id, crowd_votes, machine_votes) VALUES ($p, $crowd, $machine)
            ON CONFLICT (project_id) DO UPDATE SET crowd_votes = crowd_votes + excluded.crowd_votes, machine_votes = machine_votes + excluded.machine_votes
            """);
        counters.Add("$p", _projectId);
        counters.Add("$crowd", crowd);
        counters.Add("$machine", commit.Votes.Count - crowd);
        counters.ExecuteNonQuery();
    }

    private void WriteStatistics(ItemCommit commit)
    {
        if (commit.Statistics.Count == 0)
        {
            return;
        }

        var command = Command("""
            INSERT INTO labelers (project_id, labeler_id, kind, statistics) VALUES ($p, $l, $kind, $stats)
            ON CONFLICT (project_id, labeler_id) DO UPDATE SET statistics = excluded.statistics
            """);
        command.Add("$p", _projectId);
        var labeler = command.Parameters.Add("$l", SqliteType.Text);
        var kind = command.Parameters.Add("$kind", SqliteType.Text);
        var stats = command.Parameters.Add("$stats", SqliteType.Text);
        for (var i = 0; i < commit.Statistics.Count; i++)
        {
            var s = commit.Statistics[i];
            labeler.Value = s.Labeler;
            kind.Value = SqliteValues.Name(LabelerIds.KindOf(s.Labeler));
            stats.Value = _statisticsJson[i];
            command.ExecuteNonQuery();
        }
    }

    private void WriteTracks(ItemCommit commit)
    {
        if (commit.TrackIncrements.Count == 0)
        {
            return;
        }

        var command = Command("""
            INSERT INTO labelers (project_id, labeler_id, kind, checked, agreed) VALUES ($p, $l, $kind, $c, $a)
            ON CONFLICT (project_id, labeler_id) DO UPDATE SET checked = checked + excluded.checked, agreed = agreed + excluded.agreed
            """);
        command.Add("$p", _projectId);
        var labeler = command.Parameters.Add("$l", SqliteType.Text);
        var kind = command.Parameters.Add("$kind", SqliteType.Text);
        var checkedCount = command.Parameters.Add("$c", SqliteType.Integer);
        var agreed = command.Parameters.Add("$a", SqliteType.Integer);
        foreach (var t in commit.TrackIncrements)
        {
            labeler.Value = t.LabelerId;
            kind.Value = SqliteValues.Name(LabelerIds.KindOf(t.LabelerId));
            checkedCount.Value = t.Checked;
            agreed.Value = t.Agreed;
            command.ExecuteNonQuery();
        }
    }

    private void WriteEvents(ItemCommit commit)
    {
        foreach (var e in commit.Events)
        {
            var command = Command("""
                INSERT INTO outbox (id, project_id, item_id, type, payload, created_at) VALUES ($id, $p, $item, $type, $payload, $at)
                """);
            command.Add("$id", e.Id);
            command.Add("$p", e.ProjectId);
            command.Add("$item", e.ItemId);
            command.Add("$type", e.Type);
            command.Add("$payload", e.Payload);
            command.Add("$at", SqliteValues.Time(e.CreatedAt));
            command.ExecuteNonQuery();
        }
    }

    private SqliteCommand Command(string sql) => _write!.Prepared(sql);
}
