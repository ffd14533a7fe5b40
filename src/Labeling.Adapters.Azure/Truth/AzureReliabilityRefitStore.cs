using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Labeling.Adapters.Azure.Cosmos;
using Labeling.Adapters.Azure.Storage;
using Labeling.Application;
using Labeling.Application.Ports;
using Labeling.Application.Truth;
using Labeling.Domain.TruthInference;

namespace Labeling.Adapters.Azure.Truth;

/// <summary>
/// Writes a re-fit: each labeler's statistics replace its Cosmos shards (the whole value into shard 0,
/// the others emptied), and the drift report goes to Blob Storage as
/// <c>{reports}/drift/{projectId}/{yyyyMMddTHHmmssZ}.json</c> (<c>…Z-2.json</c> and on for more in the same second), where people and tools can read it.
/// </summary>
public sealed class AzureReliabilityRefitStore : IReliabilityRefitStore
{
    private readonly CosmosLabelerStore _labelers;
    private readonly BlobContainerClient _reports;

    /// <summary>Creates the store.</summary>
    /// <param name="labelers">The labeler statistics.</param>
    /// <param name="clients">The storage clients.</param>
    /// <param name="options">The reports container's name.</param>
    public AzureReliabilityRefitStore(CosmosLabelerStore labelers, StorageClients clients, StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(options);
        _labelers = labelers;
        _reports = clients.Blobs.GetBlobContainerClient(options.ReportsContainer);
    }

    /// <summary>The blob name of a report.</summary>
    /// <param name="report">The report.</param>
    /// <returns><c>drift/{projectId}/{yyyyMMddTHHmmssZ}.json</c>.</returns>
    public static string BlobNameFor(DriftReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return $"drift/{report.ProjectId}/{report.FittedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.json";
    }

    /// <inheritdoc />
    public async Task ReplaceStatisticsAsync(string projectId, IReadOnlyList<LabelerStatisticsState> statistics, ClassCountsState classCounts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(classCounts);
        await _labelers.RegisterAsync(projectId, statistics.Select(s => s.Labeler), cancellationToken).ConfigureAwait(false);
        foreach (var state in statistics)
        {
            await _labelers.ReplaceStatisticsAsync(projectId, state, cancellationToken).ConfigureAwait(false);
        }

        // The class counts go with the mark, last: a crash before it leaves the new statistics with the last re-fit's class
        // counts, which the next re-fit replaces, and the other instances keep their models until a mark is written.
        await _labelers.MarkStatisticsReplacedAsync(projectId, classCounts, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<string> SaveDriftReportAsync(DriftReport report, CancellationToken cancellationToken)
    {
        var name = BlobNameFor(report);
        await _reports.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var content = BinaryData.FromObjectAsJson(report, LabelingJson.Options);
        // Two re-fits in one second (a manual one beside the timer's, or two instances) each keep their report: the
        // later is named …Z-2.json, …Z-3.json and so on.
        for (var n = 2; ; n++)
        {
            try
            {
                await _reports.GetBlobClient(name).UploadAsync(content, overwrite: false, cancellationToken).ConfigureAwait(false);
                return $"{_reports.Name}/{name}";
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                name = string.Create(CultureInfo.InvariantCulture, $"{BlobNameFor(report)[..^".json".Length]}-{n}.json");
            }
        }
    }
}
