using System.Net;
using Labeling.Application.Problems;
using Microsoft.Azure.Cosmos;

namespace Labeling.Adapters.Azure.Cosmos;

/// <summary>Read-modify-write of one document guarded by its ETag, retried on conflict.</summary>
internal static class OptimisticUpdate
{
    /// <summary>
    /// Reads the document, applies <paramref name="change"/> and writes it back only if nobody wrote in
    /// between (If-Match ETag; create-if-absent for new documents); on 412/409 it reads again.
    /// <paramref name="change"/> returns null to leave the document as it is.
    /// </summary>
    public static async Task<T?> ApplyAsync<T>(Container container, string id, string partitionKey, Func<T?, T?> change, int attempts, CancellationToken cancellationToken)
        where T : class
    {
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            var (current, etag) = await CosmosDatabase.ReadAsync<T>(container, id, partitionKey, cancellationToken).ConfigureAwait(false);
            var next = change(current);
            if (next is null)
            {
                return current;
            }

            try
            {
                if (etag is null)
                {
                    await container.CreateItemAsync(next, new PartitionKey(partitionKey), cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await container.ReplaceItemAsync(next, id, new PartitionKey(partitionKey), new ItemRequestOptions { IfMatchEtag = etag }, cancellationToken).ConfigureAwait(false);
                }

                return next;
            }
            catch (CosmosException ex) when (ex.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict)
            {
                // Another writer got there first: read its version and apply the change to it.
                await Task.Delay(Random.Shared.Next(1, 5 + (attempt * 3)), cancellationToken).ConfigureAwait(false);
            }
        }

        throw new ConcurrencyConflictException($"Document '{id}' kept changing under {attempts} attempts to update it; try again.");
    }
}
