namespace Labeling.Domain.Documents;

/// <summary>A file that arrived for a project, by upload or through the inbox.</summary>
/// <param name="ProjectId">The project.</param>
/// <param name="Id">Identifier derived from the file's content hash: the same bytes are the same document.</param>
/// <param name="FileName">The file's name as it arrived.</param>
/// <param name="ContentHash">SHA-256 of the raw bytes.</param>
/// <param name="Status">Ingested or quarantined.</param>
/// <param name="Reason">Why it was quarantined, written for the person who sent it; for an ingested document, a note on what
/// its items lack (characters that could not be read), or null.</param>
/// <param name="ItemCount">Items this document added to the project.</param>
/// <param name="DuplicateItemCount">Items whose text was already in the project (or earlier in the file).</param>
/// <param name="ReceivedAt">When it was processed.</param>
public sealed record Document(
    string ProjectId,
    string Id,
    string FileName,
    string ContentHash,
    DocumentStatus Status,
    string? Reason,
    int ItemCount,
    int DuplicateItemCount,
    DateTimeOffset ReceivedAt)
{
    /// <summary>The id for a file with the given content hash.</summary>
    /// <param name="contentHash">The 64-hex-character hash of the raw bytes.</param>
    /// <returns><c>doc_</c> followed by the first 24 hex characters.</returns>
    public static string IdFor(string contentHash)
    {
        ArgumentException.ThrowIfNullOrEmpty(contentHash);
        return "doc_" + contentHash[..Math.Min(24, contentHash.Length)];
    }
}
