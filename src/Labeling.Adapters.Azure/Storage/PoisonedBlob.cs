using System.Text.Json;

namespace Labeling.Adapters.Azure.Storage;

/// <summary>
/// A message of the <c>webjobs-blobtrigger-poison</c> queue: a blob a blob-triggered function failed on at every attempt
/// (host.json <c>blobs.poisonBlobThreshold</c>). The Functions host writes it (<c>BlobTriggerMessage</c> of
/// Microsoft.Azure.WebJobs.Extensions.Storage.Blobs) in the storage account of the triggering blob.
/// </summary>
/// <param name="FunctionId">The function, <c>&lt;app&gt;.Functions.&lt;name&gt;</c> (<c>Host.Functions.Ingest</c>).</param>
/// <param name="BlobType"><c>BlockBlob</c> or <c>PageBlob</c>.</param>
/// <param name="ContainerName">The blob's container.</param>
/// <param name="BlobName">The blob's name in the container.</param>
/// <param name="ETag">The version of the blob that failed, or null.</param>
public sealed record PoisonedBlob(string? FunctionId, string? BlobType, string ContainerName, string BlobName, string? ETag)
{
    /// <summary>The queue the Functions host writes poisoned blobs to (HostQueueNames.BlobTriggerPoisonQueue).</summary>
    public const string Queue = "webjobs-blobtrigger-poison";

    /// <summary>Reads a poison message: a JSON object with <c>FunctionId</c>, <c>BlobType</c>, <c>ContainerName</c>, <c>BlobName</c>, <c>ETag</c>.</summary>
    /// <param name="message">The message text.</param>
    /// <returns>The blob, or null when the text is not such an object or names no container or blob.</returns>
    public static PoisonedBlob? Parse(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            using var json = JsonDocument.Parse(message);
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var root = json.RootElement;
            var container = Text(root, "ContainerName");
            var blob = Text(root, "BlobName");
            return string.IsNullOrEmpty(container) || string.IsNullOrEmpty(blob)
                ? null
                : new PoisonedBlob(Text(root, "FunctionId"), Text(root, "BlobType"), container, blob, Text(root, "ETag"));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
