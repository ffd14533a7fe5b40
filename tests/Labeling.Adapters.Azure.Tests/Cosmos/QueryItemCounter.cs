using Microsoft.Azure.Cosmos;

namespace Labeling.Adapters.Azure.Tests.Cosmos;

/// <summary>
/// A request handler for the Cosmos client's pipeline that counts the documents its queries return (the
/// <c>x-ms-item-count</c> of each query page): what a query reads, whatever the SDK does with it afterwards.
/// </summary>
internal sealed class QueryItemCounter : RequestHandler
{
    private int _returned;

    public int Returned => Volatile.Read(ref _returned);

    public void Reset() => Interlocked.Exchange(ref _returned, 0);

    public override async Task<ResponseMessage> SendAsync(RequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (request.Headers["x-ms-documentdb-isquery"] is "True" or "true" && response.Headers["x-ms-item-count"] is { } count
            && int.TryParse(count, System.Globalization.CultureInfo.InvariantCulture, out var n))
        {
            Interlocked.Add(ref _returned, n);
        }

        return response;
    }
}
