using System.Net;
using Labeling.Adapters.Local.Auth;
using Labeling.Application.Http;
using Labeling.Server.Tests.Support;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Labeling.Server.Tests.Http;

/// <summary>
/// Every route says who may call it: one of the API's role policies, or, for the health check and the OpenAPI
/// document alone, no token at all. Anything else (a path that matches no route, or a route someone adds
/// without a policy) falls to the fallback policy and needs a token with a role.
/// </summary>
public sealed class RouteAuthorizationTests : IDisposable
{
    private static readonly string[] RolePolicies =
        [LabelingRoles.LabelerPolicy, LabelingRoles.ReviewerPolicy, LabelingRoles.AdminPolicy, LabelingRoles.AnyRolePolicy];

    private readonly ServerFactory _server = new(new Dictionary<string, string?> { ["Labeling:CreateDemoProject"] = "false" });

    public void Dispose() => _server.Dispose();

    [Fact]
    public void EveryRoute_NamesOneRolePolicy_OrIsOneOfTheTwoOpenRoutes()
    {
        _ = _server.CreateClient();
        var routes = _server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToArray();

        var open = routes.Where(r => r.Metadata.GetMetadata<IAllowAnonymous>() is not null).Select(Describe).Order(StringComparer.Ordinal).ToArray();
        var unnamed = routes.Where(r => r.Metadata.GetMetadata<IAllowAnonymous>() is null)
            .Where(r => r.Metadata.GetOrderedMetadata<IAuthorizeData>() is not [{ Policy: { } policy }] || !RolePolicies.Contains(policy))
            .Select(Describe)
            .ToArray();

        Assert.True(routes.Length > 20, $"only {routes.Length} routes were found");
        Assert.Equal(["/health", "/openapi/{documentName}.json"], open);
        Assert.Empty(unnamed);

        static string Describe(RouteEndpoint route) => route.RoutePattern.RawText ?? route.DisplayName ?? "?";
    }

    [Fact]
    public void EveryRoute_NeedsTheRoleTheReadmeGivesIt()
    {
        // The README's API table, route by route: a change of who may call a route has to change this table too.
        var expected = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["GET /api/projects"] = LabelingRoles.AnyRolePolicy,
            ["POST /api/projects"] = LabelingRoles.AdminPolicy,
            ["GET /api/projects/{projectId}"] = LabelingRoles.AnyRolePolicy,
            ["PATCH /api/projects/{projectId}"] = LabelingRoles.AdminPolicy,
            ["DELETE /api/projects/{projectId}"] = LabelingRoles.AdminPolicy,
            ["GET /api/projects/{projectId}/progress"] = LabelingRoles.ReviewerPolicy,
            ["POST /api/projects/{projectId}/documents"] = LabelingRoles.AdminPolicy,
            ["GET /api/projects/{projectId}/documents"] = LabelingRoles.ReviewerPolicy,
            ["GET /api/projects/{projectId}/documents/{documentId}"] = LabelingRoles.ReviewerPolicy,
            ["POST /api/projects/{projectId}/gold"] = LabelingRoles.AdminPolicy,
            ["POST /api/projects/{projectId}/refit"] = LabelingRoles.AdminPolicy,
            ["GET /api/projects/{projectId}/tasks/next"] = LabelingRoles.LabelerPolicy,
            ["POST /api/tasks/{leaseId}/votes"] = LabelingRoles.LabelerPolicy,
            ["POST /api/tasks/{leaseId}/release"] = LabelingRoles.LabelerPolicy,
            ["GET /api/workers/me"] = LabelingRoles.LabelerPolicy,
            ["GET /api/projects/{projectId}/labelers"] = LabelingRoles.ReviewerPolicy,
            ["GET /api/projects/{projectId}/items"] = LabelingRoles.ReviewerPolicy,
            ["GET /api/projects/{projectId}/items/{itemId}"] = LabelingRoles.ReviewerPolicy,
            ["POST /api/projects/{projectId}/items/{itemId}/resolution"] = LabelingRoles.ReviewerPolicy,
            ["GET /api/projects/{projectId}/export"] = LabelingRoles.ReviewerPolicy,
            ["GET /api/events/dead-letters"] = LabelingRoles.AdminPolicy,
            ["POST /api/events/dead-letters/redeliver"] = LabelingRoles.AdminPolicy,
        };
        _ = _server.CreateClient();

        var actual = _server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(r => r.Metadata.GetMetadata<IAllowAnonymous>() is null && r.Metadata.GetMetadata<HttpMethodMetadata>() is not null)
            .SelectMany(r => r.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(method =>
                (Route: $"{method} /{r.RoutePattern.RawText!.TrimStart('/')}", Policy: r.Metadata.GetOrderedMetadata<IAuthorizeData>().Single().Policy!)))
            .ToDictionary(x => x.Route, x => x.Policy, StringComparer.Ordinal);

        Assert.Equal(expected.OrderBy(x => x.Key, StringComparer.Ordinal), actual.OrderBy(x => x.Key, StringComparer.Ordinal));
    }

    [Fact]
    public async Task OpenRoutes_AnswerWithoutAToken()
    {
        using var anonymous = _server.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/openapi/v1.json")).StatusCode);
    }

    [Fact]
    public async Task Token_ThatExpiredSecondsAgo_IsRefused_WithNoClockSkew()
    {
        // Issuer and validator share the machine's clock: the default five minutes of skew would let a one-minute token last six.
        var key = _server.Services.GetRequiredService<LocalSigningKey>();
        var auth = _server.Services.GetRequiredService<IOptions<LocalAuthOptions>>().Value;
        var minted = new LocalTokenIssuer(key, auth, new FakeTimeProvider(DateTimeOffset.UtcNow.AddSeconds(-90))).Mint("shorty", [LabelingRoles.Labeler], TimeSpan.FromMinutes(1));
        var fresh = new LocalTokenIssuer(key, auth, TimeProvider.System).Mint("shorty", [LabelingRoles.Labeler], TimeSpan.FromMinutes(1));
        using var client = _server.CreateClient();

        using var expired = new HttpRequestMessage(HttpMethod.Get, "/api/workers/me") { Headers = { Authorization = new("Bearer", minted) } };
        using var valid = new HttpRequestMessage(HttpMethod.Get, "/api/workers/me") { Headers = { Authorization = new("Bearer", fresh) } };

        var problem = await (await client.SendAsync(expired)).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        var detail = problem["detail"]!.GetValue<string>();
        Assert.True(detail.Contains("expired", StringComparison.Ordinal), detail);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(valid)).StatusCode);
    }

    [Fact]
    public async Task PathMatchingNoRoute_NeedsATokenWithARole_BeforeItIsAnswered404()
    {
        using var anonymous = _server.CreateClient();
        using var roleless = _server.ClientAs("carol");
        using var labeler = _server.ClientAs("alice", LabelingRoles.Labeler);

        var none = await (await anonymous.GetAsync("/api/no-such-thing")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await (await roleless.GetAsync("/api/no-such-thing")).ExpectProblemAsync(HttpStatusCode.Forbidden);
        var missing = await (await labeler.GetAsync("/api/no-such-thing")).ExpectProblemAsync(HttpStatusCode.NotFound);

        Assert.StartsWith("The request carries no bearer token", none["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("There is no route GET /api/no-such-thing.", missing["detail"]!.GetValue<string>());
    }
}
