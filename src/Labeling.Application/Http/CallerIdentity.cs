using System.Security.Claims;
using Labeling.Application.Problems;
using Labeling.Domain.Labelers;

namespace Labeling.Application.Http;

/// <summary>Who is calling: the stable subject of the validated token.</summary>
internal static class CallerIdentity
{
    // Entra ID puts the stable user id in "oid" (mapped or not); local tokens carry "sub".
    private static readonly string[] SubjectClaims =
    [
        "oid",
        "http://schemas.microsoft.com/identity/claims/objectidentifier",
        "sub",
        ClaimTypes.NameIdentifier,
    ];

    public static string Subject(ClaimsPrincipal user) =>
        TrySubject(user) ?? throw new AccessDeniedException("The token has no subject ('sub' or 'oid' claim); mint a token with --sub NAME.");

    /// <summary>The caller's subject, or null when the principal carries none.</summary>
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

    public static string WorkerId(ClaimsPrincipal user) => LabelerIds.Worker(Subject(user));
}
