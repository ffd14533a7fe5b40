using System.Globalization;
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
        where T : class =>
        (await ApplyAsync(container, id, partitionKey, change, attempts, null, cancellationToken).ConfigureAwait(false)).Document;

    /// <summary>
    /// As <see cref="ApplyAsync{T}(Container, string, string, Func{T, T}, int, CancellationToken)"/>, but starts from
    /// <paramref name="known"/> (a version this process saw, e.g. from a <see cref="VersionCache{T}"/>) without
    /// reading, and returns the written version's ETag. A stale guess costs one 412 and then a read.
    /// </summary>
    public static async Task<(T? Document, string? ETag)> ApplyAsync<T>(
        Container container, string id, string partitionKey, Func<T?, T?> change, int attempts, (T Document, string ETag)? known, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(change);
        var guess = known;
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            var (current, etag) = guess is { } g ? (g.Document, g.ETag) : await CosmosDatabase.ReadAsync<T>(container, id, partitionKey, cancellationToken).ConfigureAwait(false);
            var guessed = guess is not null;
            guess = null;
            var next = change(current);
            if (next is null)
            {
                if (guessed)
                {
                    // "Nothing to do" must be decided on the stored version, not on a remembered one.
                    attempt--;
                    continue;
                }

                return (current, etag);
            }

            try
            {
                var written = etag is null
                    ? await container.CreateItemAsync(next, new PartitionKey(partitionKey), cancellationToken: cancellationToken).ConfigureAwait(false)
                    : await container.ReplaceItemAsync(next, id, new PartitionKey(partitionKey), new ItemRequestOptions { IfMatchEtag = etag }, cancellationToken).ConfigureAwait(false);
                return (next, written.ETag);
            }
            catch (CosmosException ex) when (ex.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict)
            {
                if (guessed)
                {
                    // The remembered version was stale, which is not contention: read and go again at once.
                    attempt--;
                    continue;
                }

                // Another writer got there first: read its version and apply the change to it.
                await Task.Delay(Random.Shared.Next(1, 5 + (attempt * 3)), cancellationToken).ConfigureAwait(false);
            }
        }

        throw new ConcurrencyConflictException(string.Create(CultureInfo.InvariantCulture, $"Document '{id}' kept changing under {attempts} attempts to update it; try again."));
    }
}
