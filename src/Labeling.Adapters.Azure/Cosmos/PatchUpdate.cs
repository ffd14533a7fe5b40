using System.Net;
using Microsoft.Azure.Cosmos;

namespace Labeling.Adapters.Azure.Cosmos;

/// <summary>
/// Partial document updates (Cosmos patch): increments and sets applied by the service in one request,
/// atomically, with no read and no ETag, so writers of a hot document (a project's counter, a rule's
/// statistics) never retry each other.
/// </summary>
internal static class PatchUpdate
{
    /// <summary>Operations Cosmos accepts in one patch request.</summary>
    public const int MaxOperations = 10;

    /// <summary>
    /// Applies <paramref name="operations"/> to a document. Returns false, having changed nothing, when the
    /// document does not exist, when a path's parent does not (a capability it has no counts for yet), or
    /// when there are more than <see cref="MaxOperations"/>: the caller then falls back to a read-modify-write.
    /// </summary>
    public static async Task<bool> TryApplyAsync<T>(Container container, string id, string partitionKey, IReadOnlyList<PatchOperation> operations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(operations);
        if (operations.Count == 0)
        {
            return true;
        }

        if (operations.Count > MaxOperations)
        {
            return false;
        }

        try
        {
            await container.PatchItemAsync<T>(id, new PartitionKey(partitionKey), operations,
                new PatchItemRequestOptions { EnableContentResponseOnWrite = false }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (CosmosException ex) when (ex.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest || IsEmulatorMissingDocument(ex))
        {
            // A patch is all or nothing: a missing document or parent path leaves the document unchanged.
            return false;
        }
    }

    /// <summary>A JSON Pointer segment (RFC 6901) for a dictionary key.</summary>
    public static string Segment(string key) => key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static bool IsEmulatorMissingDocument(CosmosException ex) =>
        ex.StatusCode == HttpStatusCode.InternalServerError
        && ex.Message.Contains("Cannot read properties of undefined", StringComparison.Ordinal);
}
