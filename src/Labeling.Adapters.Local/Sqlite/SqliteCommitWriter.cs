using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Domain.Labelers;
using Microsoft.Data.Sqlite;

namespace Labeling.Adapters.Local.Sqlite;

/// <summary>Writes the parts of one <see cref="ItemCommit"/> inside an open transaction.</summary>
internal sealed class SqliteCommitWriter
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;
    private readonly string _projectId;
    private readonly DateTimeOffset _now;

    public SqliteCommitWriter(SqliteConnection connection, SqliteTransaction transaction, string projectId, DateTimeOffset now)
    {
        _connection = connection;
        _transaction = transaction;
        _projectId = projectId;
        _now = now;
    }

    public async Task WriteAsync(ItemCommit commit, CancellationToken ct)
    {
        // The lease goes first: completing it twice is the surest sign of a replayed vote.
        if (commit.CompletedLeaseId is { } leaseId)
        {
            await CompleteLeaseAsync(leaseId, ct).ConfigureAwait(false);
        }

        await WriteItemsAsync(commit.Items, ct).ConfigureAwait(false);
        await WriteVotesAsync(commit, ct).ConfigureAwait(false);
        await WriteStatisticsAsync(commit, ct).ConfigureAwait(false);
        await WriteTracksAsync(commit, ct).ConfigureAwait(false);
        await WriteEventsAsync(commit, ct).ConfigureAwait(false);
        if (commit.Idempotency is { } record)
        {
            await using var command = Command("INSERT INTO idempotency (caller_id, key, status, body, created_at) VALUES ($c, $k, $s, $b, $at)");
            command.Add("$c", record.CallerId);
            command.Add("$k", record.Key);
            command.Add("$s", record.StatusCode);
            command.Add("$b", record.Body);
            command.Add("$at", SqliteValues.Time(record.CreatedAt));
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    private async Task CompleteLeaseAsync(string leaseId, CancellationToken ct)
    {
        await using (var command = Command("UPDATE leases SET completed_at = $now WHERE id = $id AND completed_at IS NULL AND released_at IS NULL"))
        {
            command.Add("$now", SqliteValues.Time(_now));
            command.Add("$id", leaseId);
            if (await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) != 1)
            {
                throw new ConcurrencyConflictException($"Lease '{leaseId}' was already used or released.");
            }
        }

        await using var release = Command("UPDATE items SET lease_id = NULL, lease_worker = NULL, lease_expires = NULL WHERE lease_id = $id");
        release.Add("$id", leaseId);
        await release.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private async Task WriteItemsAsync(IReadOnlyList<ItemWrite> writes, CancellationToken ct)
    {
        if (writes.Count == 0)
        {
            return;
        }

        await using var command = Command("""
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
        foreach (var write in writes)
        {
            var item = write.Item;
            state.Value = SqliteValues.Name(item.State);
            crowd.Value = item.CrowdVotes;
            rev.Value = item.Revision;
            body.Value = SqliteValues.Json(item);
            evidence.Value = write.Evidence is null ? DBNull.Value : SqliteValues.Json(write.Evidence);
            id.Value = item.Id;
            expected.Value = item.Revision - 1;
            if (await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) != 1)
            {
                throw new ConcurrencyConflictException($"Item '{item.Id}' changed since it was read (expected revision {item.Revision - 1}).");
            }
        }
    }

    private async Task WriteVotesAsync(ItemCommit commit, CancellationToken ct)
    {
        if (commit.Votes.Count == 0)
        {
            return;
        }

        await using var command = Command("""
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
        foreach (var vote in commit.Votes)
        {
            item.Value = vote.ItemId;
            labeler.Value = vote.LabelerId;
            kind.Value = SqliteValues.Name(vote.Kind);
            label.Value = (object?)vote.Label ?? DBNull.Value;
            at.Value = SqliteValues.Time(vote.At);
            lease.Value = (object?)vote.LeaseId ?? DBNull.Value;
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        // The budget check on every lease and vote reads this row instead of counting the project's votes.
        var crowd = commit.Votes.Count(v => v.Kind == LabelerKind.Worker);
        await using var counters = Command("""
            INSERT INTO project_counters (project_id, crowd_votes, machine_votes) VALUES ($p, $crowd, $machine)
            ON CONFLICT (project_id) DO UPDATE SET crowd_votes = crowd_votes + excluded.crowd_votes, machine_votes = machine_votes + excluded.machine_votes
            """);
        counters.Add("$p", _projectId);
        counters.Add("$crowd", crowd);
        counters.Add("$machine", commit.Votes.Count - crowd);
        await counters.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private async Task WriteStatisticsAsync(ItemCommit commit, CancellationToken ct)
    {
        if (commit.Statistics.Count == 0)
        {
            return;
        }

        await using var command = Command("""
            INSERT INTO labelers (project_id, labeler_id, kind, statistics) VALUES ($p, $l, $kind, $stats)
            ON CONFLICT (project_id, labeler_id) DO UPDATE SET statistics = excluded.statistics
            """);
        command.Add("$p", _projectId);
        var labeler = command.Parameters.Add("$l", SqliteType.Text);
        var kind = command.Parameters.Add("$kind", SqliteType.Text);
        var stats = command.Parameters.Add("$stats", SqliteType.Text);
        foreach (var s in commit.Statistics)
        {
            labeler.Value = s.Labeler;
            kind.Value = SqliteValues.Name(LabelerIds.KindOf(s.Labeler));
            stats.Value = SqliteValues.Json(s);
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    private async Task WriteTracksAsync(ItemCommit commit, CancellationToken ct)
    {
        if (commit.TrackIncrements.Count == 0)
        {
            return;
        }

        await using var command = Command("""
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
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    private async Task WriteEventsAsync(ItemCommit commit, CancellationToken ct)
    {
        foreach (var e in commit.Events)
        {
            await using var command = Command("""
                INSERT INTO outbox (id, project_id, item_id, type, payload, created_at) VALUES ($id, $p, $item, $type, $payload, $at)
                """);
            command.Add("$id", e.Id);
            command.Add("$p", e.ProjectId);
            command.Add("$item", e.ItemId);
            command.Add("$type", e.Type);
            command.Add("$payload", e.Payload);
            command.Add("$at", SqliteValues.Time(e.CreatedAt));
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    private SqliteCommand Command(string sql) => SqliteValues.Command(_connection, sql, _transaction);
}
