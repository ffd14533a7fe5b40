namespace Labeling.Domain.Labelers;

/// <summary>
/// A machine labeler's track record on items whose truth came from outside the machines (crowd
/// decisions, gold, reviewers): how many of its votes were checked and how many agreed.
/// </summary>
/// <param name="LabelerId">The machine labeler.</param>
/// <param name="Checked">Votes on items later decided by the crowd, gold or a reviewer.</param>
/// <param name="Agreed">Of those, votes equal to the decided label.</param>
public sealed record MachineTrack(string LabelerId, long Checked, long Agreed)
{
    /// <summary>Share of checked votes that agreed; 0 when none were checked.</summary>
    public double Accuracy => Checked == 0 ? 0.0 : (double)Agreed / Checked;
}
