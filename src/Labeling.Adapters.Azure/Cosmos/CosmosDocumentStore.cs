using Labeling.Application.Ports;
using Labeling.Domain.Documents;
using Microsoft.Azure.Cosmos;
using static Labeling.Adapters.Azure.Cosmos.CosmosDocuments;

namespace Labeling.Adapters.Azure.Cosmos;

/// <summary>Document records, one partition per project in <c>index</c> (a project receives files, not items: the partition stays small).</summary>
public sealed class CosmosDocumentStore : IDocumentStore
{
    private readonly CosmosDatabase _db;

    /// <summary>Creates the store.</summary>
    /// <param name="db">The database.</param>
    public CosmosDocumentStore(CosmosDatabase db) => _db = db;

    /// <inheritdoc />
    public async Task<Document?> GetAsync(string projectId, string documentId, CancellationToken cancellationToken) =>
        (await CosmosDatabase.ReadAsync<DocumentEntry>(_db.Index, documentId, DocumentsPartition(projectId), cancellationToken).ConfigureAwait(false)).Document?.Body;

    /// <inheritdoc />
    public async Task<IReadOnlyList<Document>> ListAsync(string projectId, CancellationToken cancellationToken)
    {
        var entries = await CosmosDatabase.QueryPartitionAsync<DocumentEntry>(_db.Index, "*", "partition", DocumentsPartition(projectId), cancellationToken).ConfigureAwait(false);
        return entries.Select(e => e.Body).OrderByDescending(d => d.ReceivedAt).ThenBy(d => d.Id, StringComparer.Ordinal).ToArray();
    }

    /// <inheritdoc />
    public Task UpsertAsync(Document document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        var partition = DocumentsPartition(document.ProjectId);
        return _db.Index.UpsertItemAsync(new DocumentEntry(document.Id, partition, document), new PartitionKey(partition), cancellationToken: cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> TryRecordAsync(Document document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        var partition = DocumentsPartition(document.ProjectId);
        var key = new PartitionKey(partition);
        var entry = new DocumentEntry(document.Id, partition, document);
        try
        {
            await _db.Index.CreateItemAsync(entry, key, new ItemRequestOptions { EnableContentResponseOnWrite = false }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (CosmosException ex) when (ex.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            // A record exists: replace it only if it is a quarantine (bytes refused for their name before), and only the
            // version read, so that of two writers one replaces it and the other finds it ingested.
            var existing = await _db.Index.ReadItemAsync<DocumentEntry>(document.Id, key, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (existing.Resource.Body.Status != DocumentStatus.Quarantined)
            {
                return false;
            }

            try
            {
                await _db.Index.ReplaceItemAsync(entry, document.Id, key, new ItemRequestOptions { IfMatchEtag = existing.ETag, EnableContentResponseOnWrite = false }, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (CosmosException changed) when (changed.StatusCode == System.Net.HttpStatusCode.PreconditionFailed)
            {
                return false;
            }
        }
    }
}
