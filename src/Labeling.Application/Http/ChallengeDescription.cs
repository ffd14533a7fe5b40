namespace Labeling.Application.Http;

/// <summary>
/// The description a bearer challenge (<c>WWW-Authenticate: Bearer error_description="…"</c>) may carry, for both hosts'
/// JWT handlers. It can quote the refused token (its issuer, its audience): a control or non-ASCII character there made
/// the header invalid and the answer a 500 instead of a 401, and as the issuer is checked before the signature, a token
/// signed by any key could put 20,000 characters into header, body and log on every request.
/// </summary>
public static class ChallengeDescription
{
    /// <summary>The longest description sent as is: any message of the validator's own, with room for what it quotes.</summary>
    public const int MaxLength = 512;

    /// <summary>
    /// <paramref name="description"/> with each character a header may not carry as is (outside printable ASCII) written
    /// <c>?</c>, and cut after <see cref="MaxLength"/> characters saying how long it was; null stays null.
    /// </summary>
    /// <param name="description">The handler's description.</param>
    /// <returns>The description to send.</returns>
    public static string? Clean(string? description)
    {
        if (description is null)
        {
            return null;
        }

        if (!description.All(IsHeaderSafe))
        {
            description = string.Concat(description.Select(c => IsHeaderSafe(c) ? c : '?'));
        }

        return description.Length > MaxLength ? $"{description[..MaxLength]}... ({description.Length} characters)" : description;
    }

    // Printable ASCII: what a header value may carry as is.
    private static bool IsHeaderSafe(char c) => c is >= ' ' and <= '~';
}
