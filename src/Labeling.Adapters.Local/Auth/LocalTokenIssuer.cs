using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Labeling.Adapters.Local.Auth;

/// <summary>Mints signed JWTs for local use, shaped like Entra ID access tokens (<c>sub</c>, <c>roles</c>).</summary>
public sealed class LocalTokenIssuer
{
    private readonly LocalSigningKey _key;
    private readonly LocalAuthOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Creates the issuer.</summary>
    public LocalTokenIssuer(LocalSigningKey key, LocalAuthOptions options, TimeProvider time)
    {
        _key = key;
        _options = options;
        _time = time;
    }

    /// <summary>Mints a token.</summary>
    /// <param name="subject">The caller's stable id (becomes the worker id <c>worker:{subject}</c>).</param>
    /// <param name="roles">App roles: Labeler, Reviewer, Admin.</param>
    /// <param name="lifetime">How long it is valid; null for the configured lifetime.</param>
    /// <returns>The compact JWT.</returns>
    public string Mint(string subject, IReadOnlyCollection<string> roles, TimeSpan? lifetime = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        ArgumentNullException.ThrowIfNull(roles);
        var now = _time.GetUtcNow().UtcDateTime;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            IssuedAt = now,
            NotBefore = now.AddMinutes(-1),
            Expires = now + (lifetime ?? _options.TokenLifetime),
            SigningCredentials = new SigningCredentials(_key.Key, SecurityAlgorithms.RsaSha256),
            Claims = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["sub"] = subject,
                ["name"] = subject,
                ["roles"] = roles.ToArray(),
            },
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }
}
