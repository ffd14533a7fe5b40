using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Labeling.Functions.Tests.Hosting;

/// <summary>
/// Stands in for Entra ID: a local RSA key, the tenant's issuer and the API's audience. Tokens carry
/// what Entra puts in an access token for app roles (<c>oid</c>, <c>sub</c>, <c>tid</c>, <c>roles</c>).
/// </summary>
public sealed class TestTokens
{
    public const string TenantId = "11111111-2222-3333-4444-555555555555";
    public const string Audience = "api://labeling-tests";
    public const string Issuer = $"https://login.microsoftonline.com/{TenantId}/v2.0";

    public TestTokens() => Key = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "test-key" };

    public RsaSecurityKey Key { get; }

    public string Mint(string subject, params string[] roles) => Mint(subject, roles, Key, TimeSpan.FromHours(1));

    /// <summary>A token with the given delegated scopes (<c>scp</c>, space-separated as Entra writes it) and no app role.</summary>
    public string MintWithScopes(string subject, string scopes) => Mint(subject, [], Key, TimeSpan.FromHours(1), scopes);

    public static string Mint(string subject, string[] roles, SecurityKey key, TimeSpan lifetime, string? scopes = null, string issuer = Issuer)
    {
        var claims = new Dictionary<string, object>
        {
            ["oid"] = subject,
            ["sub"] = subject,
            ["tid"] = TenantId,
        };
        if (roles.Length > 0)
        {
            claims["roles"] = roles;
        }

        if (scopes is not null)
        {
            claims["scp"] = scopes;
        }

        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = Audience,
            Claims = claims,
            IssuedAt = now,
            NotBefore = now.AddMinutes(-1),
            Expires = now + lifetime,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }
}
