using System.ComponentModel.DataAnnotations;

namespace Labeling.Adapters.Local.Events;

/// <summary>Where the local host delivers events. Bound from the <c>Events</c> section (beside the delivery settings).</summary>
public sealed class LocalEventSinkOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Events";

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

            if (hook.Url is { IsAbsoluteUri: true } url && url.Scheme is not ("http" or "https"))
            {
                yield return $"Events:Webhooks '{hook.Name}': the URL must be http or https.";
            }

            // The signer decodes a whsec_ secret only when the dispatcher is built, as the host starts: refused here,
            // such a secret is one line naming it instead of a FormatException that aborts the server.
            if (hook.Secret.StartsWith(WhsecPrefix, StringComparison.Ordinal)
                && !Convert.TryFromBase64String(hook.Secret[WhsecPrefix.Length..], new byte[hook.Secret.Length], out _))
            {
                yield return $"Events:Webhooks '{hook.Name}': the Secret starts with {WhsecPrefix} but what follows is not base64; "
                    + $"copy the whole secret the receiver gave, or use a secret without the {WhsecPrefix} prefix (its UTF-8 bytes are then the key).";
            }
        }
    }
}
