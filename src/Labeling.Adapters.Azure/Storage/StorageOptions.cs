using System.ComponentModel.DataAnnotations;

namespace Labeling.Adapters.Azure.Storage;

/// <summary>
/// The storage account the application reads documents from and queues work in. Bound from the
/// <c>LabelingStorage</c> section — the same section the Functions triggers use as their connection
/// (<c>LabelingStorage__blobServiceUri</c>, <c>LabelingStorage__queueServiceUri</c>).
/// </summary>
/// <remarks>
/// Not <c>Storage</c>: the Functions host resolves a trigger's connection name <c>X</c> as
/// <c>AzureWebJobsX</c> first and as <c>X</c> only when that is absent, so a connection named <c>Storage</c> is
/// the host's own <c>AzureWebJobsStorage</c>, and settings under <c>Storage__</c> would be read by this
/// application's clients but never by its triggers. <c>AzureWebJobsLabelingStorage</c> is never set.
/// </remarks>
public sealed class StorageOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "LabelingStorage";

    /// <summary>The Blob endpoint, e.g. <c>https://acct.blob.core.windows.net/</c>; used with the managed identity.</summary>
    public Uri? BlobServiceUri { get; set; }

    /// <summary>The Queue endpoint, e.g. <c>https://acct.queue.core.windows.net/</c>; used with the managed identity.</summary>
    public Uri? QueueServiceUri { get; set; }

    /// <summary>A connection string, for the Azurite emulator only. When set it wins over the service URIs.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The drop-zone container Ingest watches. Default <c>documents</c>, the only one the Functions app takes (its trigger's path).</summary>
    [Required(AllowEmptyStrings = false)]
    public string DocumentsContainer { get; set; } = "documents";

    /// <summary>Where files that cannot be parsed are moved, with their reason. Default <c>quarantine</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string QuarantineContainer { get; set; } = "quarantine";

    /// <summary>Where drift reports of the periodic re-fit are written. Default <c>reports</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string ReportsContainer { get; set; } = "reports";

    /// <summary>How long a received work message stays hidden before another receiver may take it. Default 5 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "07.00:00:00")]
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long the <c>Ingest</c> trigger leaves a file the upload endpoint saved to the request that saved it, counted from
    /// the blob's creation: the request ingests it and answers with the result, and the trigger, fired by the same file,
    /// waits for it to be marked ingested or quarantined instead of ingesting it at the same time (the request was then
    /// answered "already known", and the record named the stored blob, not the file sent). Past this the request's
    /// instance is taken to have stopped, and the trigger ingests the file itself, under the name it was sent under; a
    /// request still ingesting then (a file of hundreds of thousands of items on a throttled Cosmos DB) races it as before.
    /// Default 15 minutes; <c>00:00:00</c> ingests at once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan UploadIngestWait { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Receives after which a message is moved to <c>{queue}-poison</c>. Default 5, as the Functions queue trigger.</summary>
    [Range(1, 100)]
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>Whether a connection string or both service URIs are set.</summary>
    /// <returns>True when the options can build clients.</returns>
    public bool IsConfigured() =>
        !string.IsNullOrWhiteSpace(ConnectionString) || (BlobServiceUri is not null && QueueServiceUri is not null);
}
