using System.ComponentModel.DataAnnotations;

namespace Labeling.Adapters.Local.Events;

/// <summary>One webhook that receives <c>label.ready</c> events.</summary>
public sealed class WebhookOptions
{
    /// <summary>A short name, unique among webhooks; deliveries are tracked per name.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Name { get; set; } = string.Empty;

    /// <summary>Where to POST the events.</summary>
    [Required]
    public Uri? Url { get; set; }

    /// <summary>
    /// The signing secret (Standard Webhooks): a <c>whsec_…</c> base64 secret, or any other string,
    /// whose UTF-8 bytes are then the HMAC key; the key at least 16 bytes. Required: unsigned webhooks are not sent.
    /// </summary>
    [Required(AllowEmptyStrings = false)]
    public string Secret { get; set; } = string.Empty;

    /// <summary>How long one delivery may take. Default 10 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
