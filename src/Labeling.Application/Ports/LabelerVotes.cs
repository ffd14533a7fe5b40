namespace Labeling.Application.Ports;

/// <summary>One labeler's votes in a project.</summary>
/// <param name="Votes">Every vote, "unsure" answers included.</param>
/// <param name="Unsure">The "unsure" answers among them (a crowd worker's abstentions).</param>
public readonly record struct LabelerVotes(int Votes, int Unsure)
{
    /// <summary>Votes that named a label.</summary>
    public int Labeled => Votes - Unsure;
}
