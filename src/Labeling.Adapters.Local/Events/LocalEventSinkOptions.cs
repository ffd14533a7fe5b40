using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace Labeling.Adapters.Local.Events;

/// <summary>Where the local host delivers events. Bound from the <c>Events</c> section (beside the delivery settings).</summary>
public sealed class LocalEventSinkOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Events";

    /// <summary>The shortest signing key taken, in bytes (128 bits).</summary>
    internal const int MinSecretBytes = 16;

    private const string WhsecPrefix = "whsec_";

    /// <summary>
    /// The JSONL file every event is appended to, relative to the data folder unless absolute.
    /// Default <c>events/label-ready.jsonl</c>; empty turns the file off.
    /// </summary>
    public string? JsonlFile { get; set; } = Path.Combine("events", "label-ready.jsonl");

    /// <summary>Webhooks that receive every event. Default none.</summary>
    public IList<WebhookOptions> Webhooks { get; } = [];

    /// <summary>Problems with the settings, each saying what to change; empty when valid.</summary>
    /// <returns>Validation messages.</returns>
    public IEnumerable<string> Validate()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var hook in Webhooks)
        {
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(hook, new ValidationContext(hook), results, validateAllProperties: true))
            {
                foreach (var r in results)
                {
                    yield return $"Events:Webhooks '{hook.Name}': {r.ErrorMessage}";
                }
            }

            if (!names.Add(hook.Name))
            {
                yield return $"Events:Webhooks: the name '{hook.Name}' is used twice; give each webhook its own name.";
            }

            // A URL without a scheme (`hooks.example.com/x`) binds as a relative URI, which no request can be sent to.
            if (hook.Url is { } url && (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https")))
            {
                yield return $"Events:Webhooks '{hook.Name}': the URL must be an absolute http or https URL.";
            }

            // The signer decodes a whsec_ secret only when the dispatcher is built, as the host starts: refused here,
            // such a secret is one line naming it instead of a FormatException that aborts the server.
            var whsec = hook.Secret.StartsWith(WhsecPrefix, StringComparison.Ordinal);
            var decoded = new byte[hook.Secret.Length];
            var key = 0;
            if (whsec && !Convert.TryFromBase64String(hook.Secret[WhsecPrefix.Length..], decoded, out key))
            {
                yield return $"Events:Webhooks '{hook.Name}': the Secret starts with {WhsecPrefix} but what follows is not base64; "
                    + $"copy the whole secret the receiver gave, or use a secret without the {WhsecPrefix} prefix (its UTF-8 bytes are then the key).";
            }
            else if ((whsec ? key : System.Text.Encoding.UTF8.GetByteCount(hook.Secret)) < MinSecretBytes)
            {
                // `whsec_` alone decoded to an empty key, and every signature could be made by anyone.
                yield return string.Create(CultureInfo.InvariantCulture, $"Events:Webhooks '{hook.Name}': the Secret's key is {(whsec ? key : System.Text.Encoding.UTF8.GetByteCount(hook.Secret))} bytes; ")
                    + $"a signing key needs at least {MinSecretBytes} (a whsec_ secret's base64 decoded, else the secret's UTF-8 bytes), so that a receiver's check means something.";
            }
        }
    }
}
