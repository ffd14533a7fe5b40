using System.Net;
using Labeling.Adapters.Azure.Cosmos;
using Microsoft.Azure.Cosmos;

namespace Labeling.Adapters.Azure.Tests.Cosmos;

/// <summary>Cosmos DB's throttling and unavailability, past the SDK's own retries, are answered 503 with Retry-After, not 500.</summary>
public sealed class CosmosTransientFailuresTests
{
    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests, 1)]
    [InlineData((HttpStatusCode)449, 1)]
    [InlineData(HttpStatusCode.ServiceUnavailable, 5)]
    [InlineData(HttpStatusCode.RequestTimeout, 1)]
    public void RetryAfter_AnAnswerThatPasses_SaysHowLongToWait(HttpStatusCode status, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), new CosmosTransientFailures().RetryAfter(new InvalidOperationException("wrapped", new CosmosException("busy", status, 0, "activity", 0))));

    [Theory]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.PreconditionFailed)]
    [InlineData(HttpStatusCode.Forbidden)]
    public void RetryAfter_AFault_IsNull(HttpStatusCode status) =>
        Assert.Null(new CosmosTransientFailures().RetryAfter(new CosmosException("no", status, 0, "activity", 0)));

    [Fact]
    public void RetryAfter_NotCosmos_IsNull() =>
        Assert.Null(new CosmosTransientFailures().RetryAfter(new InvalidOperationException("the handler failed")));
}
