using System.ComponentModel.DataAnnotations;

namespace Labeling.Adapters.Local.Auth;

/// <summary>Local bearer tokens: who issues them, for which audience, signed by which key. Bound from <c>LocalAuth</c>.</summary>
public sealed class LocalAuthOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "LocalAuth";

    /// <summary>The <c>iss</c> of minted tokens, and the only issuer accepted. Default <c>labeling-local</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Issuer { get; set; } = "labeling-local";

    /// <summary>The <c>aud</c> of minted tokens, and the only audience accepted. Default <c>api://labeling-local</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Audience { get; set; } = "api://labeling-local";

    /// <summary>The RSA signing key (PEM), relative to the data folder unless absolute; created on first use. Default <c>keys/signing-key.pem</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string KeyFile { get; set; } = Path.Combine("keys", "signing-key.pem");

    /// <summary>The shortest <see cref="TokenLifetime"/> (and <c>token --hours</c>): one minute.</summary>
    public const string MinTokenLifetime = "00:01:00";

    /// <summary>The longest <see cref="TokenLifetime"/> (and <c>token --hours</c>): a year.</summary>
    public const string MaxTokenLifetime = "365.00:00:00";

    /// <summary>Lifetime of minted tokens. Default 12 hours.</summary>
    [Range(typeof(TimeSpan), MinTokenLifetime, MaxTokenLifetime)]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(12);
}
