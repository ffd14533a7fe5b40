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
}
