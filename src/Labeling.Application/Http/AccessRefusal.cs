using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Labeling.Application.Http;

/// <summary>
/// What a caller refused by authentication or authorization is told, and what <see cref="RefusalLog"/>
/// records: the problem details of a 401, 403, 404, 405, 413 or 415 without a detail of their own carry a
/// <c>detail</c> that says what to change (send a token, which role the route needs and which the token
/// has, the route does not exist or takes other methods, the body is over the limit, send JSON).
/// </summary>
/// <remarks>
/// Registered as <see cref="ProblemDetailsOptions.CustomizeProblemDetails"/>, so it fills the body that
/// <c>UseStatusCodePages()</c> writes for an empty 4xx answer; problems from the exception handler keep
/// their own detail.
/// </remarks>
public static class AccessRefusal
{
    /// <summary>Adds the detail to a problem answer without one (see <see cref="AccessRefusal"/>).</summary>
    /// <param name="context">The problem being written.</param>
    public static void Describe(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.ProblemDetails.Detail is not null)
        {
            return;
        }

        var http = context.HttpContext;
        context.ProblemDetails.Detail = context.ProblemDetails.Status switch
        {
            StatusCodes.Status401Unauthorized => Unauthorized(http.Response),
            StatusCodes.Status403Forbidden => Forbidden(http),
            StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed when http.GetEndpoint() is null =>
                $"There is no route {http.Request.Method} {(http.Request.PathBase + http.Request.Path).ToUriComponent()}.",
            StatusCodes.Status405MethodNotAllowed => MethodNotAllowed(http),
            // The API's bodies are JSON, but for uploads, whose route reads the form itself and answers 400.
            StatusCodes.Status415UnsupportedMediaType => "This route takes a JSON body: send it with Content-Type: application/json.",
            // A body without a length, cut off by the server's limit (or RequestBodyLimit's count) as it was read.
            StatusCodes.Status413PayloadTooLarge =>
                "The request body is larger than this route takes: Labeling:MaxJsonBodyBytes for JSON, Labeling:MaxUploadBytes for an upload or gold seeding.",
            _ => null,
        };
    }

    private static string MethodNotAllowed(HttpContext http)
    {
        var route = $"{(http.Request.PathBase + http.Request.Path).ToUriComponent()} does not take {http.Request.Method}";
        return http.Response.Headers.Allow.ToString() is { Length: > 0 } allowed ? $"{route}; it takes {allowed}." : $"{route}.";
    }

    /// <summary>
    /// Why a request was answered 401: the bearer challenge's own description when a token was refused
    /// (expired, wrong signature, wrong audience), otherwise that none was sent.
    /// </summary>
    /// <param name="response">The answer, after the challenge.</param>
    /// <returns>One sentence.</returns>
    public static string Unauthorized(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var challenge = response.Headers.WWWAuthenticate.ToString();
        if (!challenge.Contains("error=", StringComparison.Ordinal))
        {
            return "The request carries no bearer token; send one in the Authorization header (Authorization: Bearer <token>).";
        }

        var error = Parameter(challenge, "error") ?? "invalid_token";
        return Parameter(challenge, "error_description") is { } description
            ? $"The bearer token was refused ({error}): {description}"
            : $"The bearer token was refused ({error}); check that it has not expired and was issued for this API.";
    }

    /// <summary>Why a request was answered 403 by authorization: the roles the route takes and the roles the token carries.</summary>
    /// <param name="context">The request.</param>
    /// <returns>One sentence.</returns>
    public static string Forbidden(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var has = Roles(context.User).ToArray();
        var carried = has.Length == 0 ? "no role" : "the role(s) " + string.Join(", ", has);
        // The roles of the policies the route requires, read from the policies themselves.
        var policies = context.RequestServices.GetService<IOptions<AuthorizationOptions>>()?.Value;
        var needed = context.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>()
            .Select(a => a.Policy is { } name ? policies?.GetPolicy(name) : null)
            .OfType<AuthorizationPolicy>()
            .SelectMany(p => p.Requirements.OfType<RolesAuthorizationRequirement>())
            .Select(r => string.Join(" or ", r.AllowedRoles))
            .Distinct(StringComparer.Ordinal)
            .ToArray() ?? [];
        return needed.Length == 0
            ? $"The token carries {carried}, which may not call this route."
            : $"This route needs the role {string.Join(" and ", needed)}; the token carries {carried}.";
    }

    // A quoted parameter of a challenge (name="value"), or null.
    private static string? Parameter(string challenge, string name)
    {
        var marker = name + "=\"";
        var start = challenge.IndexOf(" " + marker, StringComparison.Ordinal) is var spaced and >= 0
            ? spaced + 1
            : challenge.IndexOf("," + marker, StringComparison.Ordinal) is var comma and >= 0 ? comma + 1 : -1;
        if (start < 0)
        {
            return null;
        }

        start += marker.Length;
        var end = challenge.IndexOf('"', start);
        return end < 0 ? null : challenge[start..end];
    }

    // The roles IsInRole and the role policies see: each identity's own role claim type.
    private static IEnumerable<string> Roles(ClaimsPrincipal user) =>
        user.Identities.SelectMany(i => i.FindAll(i.RoleClaimType)).Select(c => c.Value).Distinct(StringComparer.Ordinal);
}
