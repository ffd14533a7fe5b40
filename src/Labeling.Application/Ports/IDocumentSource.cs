using Labeling.Domain.Documents;

namespace Labeling.Application.Ports;

/// <summary>The document container: where files arrive and where they go once processed or quarantined.</summary>
public interface IDocumentSource
{
    /// <summary>Stores an uploaded file so it can be processed (and quarantined) like a dropped one.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="fileName">The file's name as sent.</param>
    /// <param name="content">The bytes.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The stored file.</returns>
    Task<StoredDocument> SaveUploadAsync(string projectId, string fileName, Stream content, CancellationToken cancellationToken);

    /// <summary>Files waiting in the inbox.</summary>
    /// <param name="cancellationToken">Stops the listing.</param>
    /// <returns>The files.</returns>
    IAsyncEnumerable<StoredDocument> ListInboxAsync(CancellationToken cancellationToken);

    /// <summary>Opens a stored file, or returns null when it is gone (already processed).</summary>
    /// <param name="document">The file.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>A readable stream the caller disposes, or null.</returns>
    Task<Stream?> OpenReadAsync(StoredDocument document, CancellationToken cancellationToken);

    /// <summary>Moves a processed file out of the way: to the archive when ingested, to quarantine (with its reason) when not.</summary>
    /// <param name="document">The file.</param>
    /// <param name="status">What became of it.</param>
    /// <param name="reason">Why it was quarantined.</param>
    /// <param name="cancellationToken">Cancels the move.</param>
    /// <returns>A task.</returns>
    Task ArchiveAsync(StoredDocument document, DocumentStatus status, string? reason, CancellationToken cancellationToken);
}
