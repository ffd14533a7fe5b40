using System.Net;
using System.Security.Cryptography;
using Labeling.Application.Http;
using Labeling.Server.Tests.Support;
using Labeling.TestSupport.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Labeling.Server.Tests.Http;

/// <summary>What a caller without the key can make the refusal log and the 401 carry.</summary>
public sealed class OversizedTokenClaimTests : IDisposable
{
    private readonly LogCollector _logs = new();
    private readonly ServerFactory _server;

    public OversizedTokenClaimTests() => _server = new ServerFactory(
        new Dictionary<string, string?> { ["Labeling:CreateDemoProject"] = "false" },
        services: services => services.AddSingleton<ILoggerProvider>(_logs));

    public void Dispose() => _server.Dispose();

    // No key needed: a token signed by any key, with a kid the server does not know, has its issuer checked before the
    // signature fails, and the refusal quotes the issuer. The path and the subject were cut at 256 characters, the
    // reason not: 20 KB of log, header and body per request (an auth review measured it).
    [Fact]
    public async Task TokenSignedByAnyKey_WithAHugeIssuer_DoesNotWriteKilobytesToTheRefusalLog()
    {
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = new string('A', 20_000),
            Audience = "x",
            Expires = DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(RSA.Create(2048)) { KeyId = "nope" }, SecurityAlgorithms.RsaSha256),
        });
        var client = _server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

        var response = await client.GetAsync("/api/projects");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var refusal = Assert.Single(_logs.Records, r => r.Category == typeof(RefusalLog).FullName);
        var reason = Assert.IsType<string>(refusal.State["Reason"]);
        Assert.True(reason.Length <= 1_000, $"the refusal's reason is {reason.Length} characters");
        Assert.True(response.Headers.WwwAuthenticate.ToString().Length <= 1_000, $"the challenge is {response.Headers.WwwAuthenticate.ToString().Length} characters");
        Assert.Matches(@"\.\.\. \(2\d{4} characters\)", reason);
        Assert.True((await response.Content.ReadAsStringAsync()).Length <= 2_000);
    }
}
