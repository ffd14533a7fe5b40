using System.Security.Cryptography;
using System.Text;
using Labeling.Application.Ports;
using static Labeling.Adapters.Azure.Cosmos.CosmosDocuments;

namespace Labeling.Adapters.Azure.Cosmos;

/// <summary>Stored answers to idempotent requests, one document each in <c>leases</c>.</summary>
public sealed class CosmosIdempotencyStore : IIdempotencyStore
{
    private readonly CosmosDatabase _db;

    /// <summary>Creates the store.</summary>
    /// <param name="db">The database.</param>
    public CosmosIdempotencyStore(CosmosDatabase db) => _db = db;

    /// <summary>The document id for a caller's key: hashed, because keys may hold characters Cosmos ids cannot.</summary>
    /// <param name="callerId">The caller.</param>
    /// <param name="key">The key.</param>
    /// <returns><c>idem:{sha256}</c>.</returns>
    public static string IdFor(string callerId, string key) =>
        "idem:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(callerId + "\n" + key)));

    /// <inheritdoc />
    /// <remarks>
    /// The answer is one of the writes after a commit's point (see <see cref="CosmosItemStore"/>), which start together at
    /// that point and are each tried again for about <see cref="CosmosItemStore.TailRetryTime"/>; one try may itself wait out
    /// throttling for up to the SDK's 30 s. A minute covers that with a throttled try or two; a retry that finds the vote on
    /// its item waits no longer than that for its answer before it is refused.
    /// </remarks>
    public TimeSpan RecordLag => TimeSpan.FromMinutes(1);

    /// <inheritdoc />
    public async Task<IdempotencyRecord?> GetAsync(string callerId, string key, CancellationToken cancellationToken)
    {
        var id = IdFor(callerId, key);
        return (await CosmosDatabase.ReadAsync<IdempotencyDoc>(_db.Leases, id, id, cancellationToken).ConfigureAwait(false)).Document?.Body;
    }
}
