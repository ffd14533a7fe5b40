using System.Collections.Concurrent;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Labeling.Server;

/// <summary>
/// Validates bearer tokens like <see cref="JsonWebTokenHandler"/> and remembers the ones that passed, so a
/// worker's next request with the same token skips parsing it and checking its RSA signature again (that
/// was a tenth of the server's CPU under the HTTP load benchmark). Each reuse still checks the token's
/// expiry, and that it is validated against the same issuer, audience and signing key.
/// </summary>
/// <remarks>
/// Only successful validations are kept, keyed by the exact token text: the same bytes carry the same
/// signature and claims. Each request gets its own copy of the identity. The cache forgets everything
/// when it holds <see cref="MaxTokens"/> tokens.
/// </remarks>
internal sealed class RepeatedTokenCache : JsonWebTokenHandler
{
    private const int MaxTokens = 10_000;
    private readonly ConcurrentDictionary<string, Validated> _validated = new(StringComparer.Ordinal);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        ArgumentNullException.ThrowIfNull(validationParameters);
        // The clock the base class's lifetime check reads, so that a reused token expires exactly when a fresh one would.
        var now = DateTime.UtcNow;
        if (token is not null && _validated.TryGetValue(token, out var known) && known.StillValid(validationParameters, now))
        {
            return new TokenValidationResult
            {
                IsValid = true,
                ClaimsIdentity = known.Result.ClaimsIdentity.Clone(),
                SecurityToken = known.Result.SecurityToken,
                Issuer = known.Result.Issuer,
                TokenType = known.Result.TokenType,
            };
        }

        var result = await base.ValidateTokenAsync(token, validationParameters).ConfigureAwait(false);
        if (result.IsValid && token is not null && result.SecurityToken is { } securityToken)
        {
            if (_validated.Count >= MaxTokens)
            {
                _validated.Clear();
            }

            _validated[token] = new Validated(result, securityToken.ValidTo, validationParameters.ValidIssuer, validationParameters.ValidAudience, validationParameters.IssuerSigningKey);
        }

        return result;
    }

    private sealed record Validated(TokenValidationResult Result, DateTime ValidTo, string? Issuer, string? Audience, SecurityKey? Key)
    {
        // The expiry check of a full validation: lifetime plus the allowed clock skew.
        public bool StillValid(TokenValidationParameters parameters, DateTime now) =>
            (ValidTo == DateTime.MinValue || now < ValidTo + parameters.ClockSkew)
            && parameters.ValidateLifetime
            && string.Equals(Issuer, parameters.ValidIssuer, StringComparison.Ordinal)
            && string.Equals(Audience, parameters.ValidAudience, StringComparison.Ordinal)
            && ReferenceEquals(Key, parameters.IssuerSigningKey);
    }
}
