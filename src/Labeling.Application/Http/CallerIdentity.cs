using System.Security.Claims;
using Labeling.Application.Problems;
using Labeling.Domain.Labelers;

namespace Labeling.Application.Http;

/// <summary>Who is calling: the stable subject of the validated token (shared by the API's endpoints, its refusal log and the Functions host).</summary>
public static class CallerIdentity
{
    // Entra ID puts the stable user id in "oid" (mapped or not); local tokens carry "sub".
    private static readonly string[] SubjectClaims =
    [
        "oid",
        "http://schemas.microsoft.com/identity/claims/objectidentifier",
        "sub",
        ClaimTypes.NameIdentifier,
    ];

    /// <summary>The caller's subject.</summary>
    /// <param name="user">The validated principal.</param>
    /// <returns>The subject.</returns>
    /// <exception cref="AccessDeniedException">The token carries no subject.</exception>
    public static string Subject(ClaimsPrincipal user) =>
        TrySubject(user) ?? throw new AccessDeniedException("The token has no subject ('sub' or 'oid' claim); mint a token with --sub NAME.");

    /// <summary>The caller's subject, or null when the principal carries none.</summary>
    /// <param name="user">The validated principal.</param>
    /// <returns>The subject, or null.</returns>
    public static string? TrySubject(ClaimsPrincipal user)
    {
        foreach (var type in SubjectClaims)
        {
            if (user.FindFirst(type)?.Value is { Length: > 0 } value)
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>The caller's labeler id as a crowd worker.</summary>
    /// <param name="user">The validated principal.</param>
    /// <returns>The worker's labeler id.</returns>
    /// <exception cref="AccessDeniedException">The token carries no subject.</exception>
    public static string WorkerId(ClaimsPrincipal user) => LabelerIds.Worker(Subject(user));
}
