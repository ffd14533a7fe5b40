using Labeling.Adapters.Local.Auth;
using Labeling.Application.Http;
using Labeling.Bench.Terminal;

namespace Labeling.Bench.Live;

/// <summary>
/// Bearer tokens for a local server, signed with the key in its data folder exactly as the server's
/// <c>token</c> command signs them (default issuer and audience, RS256), or given on the command line.
/// </summary>
internal sealed class TokenMint
{
    private readonly LocalTokenIssuer? _issuer;
    private readonly string? _adminToken;
    private readonly string? _reviewerToken;

    private TokenMint(LocalTokenIssuer? issuer, string? adminToken, string? reviewerToken)
    {
        _issuer = issuer;
        _adminToken = adminToken;
        _reviewerToken = reviewerToken;
    }

    /// <summary>Whether labeler tokens can be minted (a server data folder was given).</summary>
    public bool CanMintLabelers => _issuer is not null;

    /// <summary>
    /// Reads the signing key from <paramref name="serverData"/> (when given); tokens given explicitly
    /// win over minted ones.
    /// </summary>
    /// <exception cref="UsageException">The folder is not a server data folder, or no way to get an admin token was given.</exception>
    public static TokenMint Create(string? serverData, string? adminToken, string? reviewerToken)
    {
        LocalTokenIssuer? issuer = null;
        if (serverData is not null)
        {
            var options = new LocalAuthOptions();
            var folder = Path.GetFullPath(serverData);
            // The server creates its key on first use, as the token command may; a folder that is not a
            // server's data folder would get a key the server never reads, so insist on its database.
            if (!File.Exists(Path.Combine(folder, "labeling.db")))
                throw new UsageException($"--token-data '{serverData}' is not a server data folder (no labeling.db); give the folder the server was started with (--data).");
            issuer = new LocalTokenIssuer(LocalSigningKey.LoadOrCreate(Path.Combine(folder, options.KeyFile)), options, TimeProvider.System);
        }
        else if (adminToken is null)
        {
            throw new UsageException("Give --token-data SERVERDATADIR (the server's --data folder, to mint tokens) or --admin-token and --reviewer-token.");
        }
        return new TokenMint(issuer, adminToken, reviewerToken);
    }

    /// <summary>A token with the Admin role.</summary>
    public string Admin() => _adminToken ?? Mint("bench-admin", LabelingRoles.Admin);

    /// <summary>A token with the Reviewer role (an admin token when only that was given).</summary>
    public string Reviewer() => _reviewerToken ?? (_issuer is null ? Admin() : Mint("bench-reviewer", LabelingRoles.Reviewer));

    /// <summary>A Labeler token whose subject is <paramref name="worker"/> (the server's worker id is <c>worker:{sub}</c>).</summary>
    /// <exception cref="UsageException">No signing key was given.</exception>
    public string Labeler(string worker) => _issuer is null
        ? throw new UsageException("Labeler tokens for simulated workers are minted with the server's key; give --token-data SERVERDATADIR.")
        : Mint(worker, LabelingRoles.Labeler);

    private string Mint(string subject, string role) => _issuer!.Mint(subject, [role], TimeSpan.FromHours(12));
}
