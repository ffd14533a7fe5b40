using Labeling.Domain.Documents;

namespace Labeling.Application.Ports;

/// <summary>Records of received files, partitioned by project.</summary>
public interface IDocumentStore
{
    /// <summary>Reads a document record.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="documentId">The document id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The record, or null.</returns>
    Task<Document?> GetAsync(string projectId, string documentId, CancellationToken cancellationToken);

    /// <summary>Lists a project's documents, newest first.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The records.</returns>
    Task<IReadOnlyList<Document>> ListAsync(string projectId, CancellationToken cancellationToken);

    /// <summary>Writes a document record, replacing one with the same id.</summary>
    /// <param name="document">The record.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task.</returns>
    Task UpsertAsync(Document document, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the record of a document just ingested or quarantined, unless a record of the same bytes that is not
    /// quarantined exists: two deliveries or uploads of the same bytes at once both ingest them (the items are
    /// deduplicated) and the first record written is the one that stands, and bytes recorded as ingested are never
    /// recorded as quarantined afterwards (under a name the parsers refuse, or set aside as poisoned).
    /// </summary>
    /// <param name="document">The record.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>True when this call wrote the record; false when another had (read it with <see cref="GetAsync"/>).</returns>
    Task<bool> TryRecordAsync(Document document, CancellationToken cancellationToken);
}
