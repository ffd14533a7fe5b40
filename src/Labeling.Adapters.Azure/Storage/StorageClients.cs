using Azure.Core;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace Labeling.Adapters.Azure.Storage;

/// <summary>Blob and Queue service clients for the application's storage account, by identity or (emulator) connection string.</summary>
public sealed class StorageClients
{
    /// <summary>Creates the clients.</summary>
    /// <param name="options">The storage settings.</param>
    /// <param name="credential">The identity used when no connection string is set.</param>
    public StorageClients(StorageOptions options, TokenCredential credential)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(credential);
        // Base64 is what the Functions queue trigger expects by default.
        var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            Blobs = new BlobServiceClient(options.ConnectionString);
            Queues = new QueueServiceClient(options.ConnectionString, queueOptions);
        }
        else
        {
            Blobs = new BlobServiceClient(options.BlobServiceUri ?? throw Missing("BlobServiceUri"), credential);
            Queues = new QueueServiceClient(options.QueueServiceUri ?? throw Missing("QueueServiceUri"), credential, queueOptions);
        }
    }

    /// <summary>The Blob service.</summary>
    public BlobServiceClient Blobs { get; }

    /// <summary>The Queue service.</summary>
    public QueueServiceClient Queues { get; }

    private static InvalidOperationException Missing(string setting) =>
        new($"{StorageOptions.SectionName}:{setting} is not set. Set it to the account's endpoint (the app setting {StorageOptions.SectionName}__{setting}), or {StorageOptions.SectionName}:ConnectionString for Azurite.");
}
