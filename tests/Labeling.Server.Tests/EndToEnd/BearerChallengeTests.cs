using System.Net;
using Labeling.Adapters.Local.Auth;
using Labeling.Server.Tests.Support;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Labeling.Server.Tests.EndToEnd;

/// <summary>The bearer challenge on the real server (Kestrel checks header values; the in-process test server does not).</summary>
public sealed class BearerChallengeTests
{
    [Theory]
    [InlineData("evil\r\nX-Injected: 1")]
    [InlineData("\u00e9vil")]
    [InlineData("evil\u202e")]
    public async Task Request_WithASignedTokenWhoseIssuerHasALineBreakOrNonAscii_Returns401Not500(string issuer)
    {
        // The challenge's description quotes the refused issuer; with a line break or a non-ASCII character in it the
        // WWW-Authenticate header was invalid and the answer a 500. Anyone can make such a token: the issuer is checked before the signature.
        using var work = new TempFolder();
        using var server = new ServerProcess(work.Path, ServerProcess.FreePort());
        await server.StartAsync();
        var auth = new LocalAuthOptions();
        var key = LocalSigningKey.LoadOrCreate(Path.Combine(work.Path, auth.KeyFile));
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = auth.Audience,
            Expires = DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new SigningCredentials(key.Key, SecurityAlgorithms.RsaSha256),
            Claims = new Dictionary<string, object> { ["sub"] = "eve", ["roles"] = new[] { "Admin" } },
        });
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

        var response = await client.GetAsync("/api/projects");

        var problem = await response.ExpectProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("issuer", problem["detail"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        Assert.False(response.Headers.Contains("X-Injected"));
    }
}
