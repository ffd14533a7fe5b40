namespace Labeling.Functions.Tests.Metadata;

public sealed class FunctionsMetadataTests
{
    private static readonly IReadOnlyDictionary<string, System.Text.Json.JsonElement> Functions = FunctionsMetadata.Load();

    [Fact]
    public void Metadata_Ingest_IsAnEventGridBlobTriggerOnTheDocumentsPath()
    {
        // The azd postdeploy hook subscribes the function by this exact name.
        var binding = FunctionsMetadata.Binding(Functions["Ingest"], "blobTrigger");
        Assert.Equal("documents/{projectId}/{name}", FunctionsMetadata.String(binding, "path"));
        Assert.Equal("EventGrid", FunctionsMetadata.String(binding, "source"));
        Assert.Equal("LabelingStorage", FunctionsMetadata.String(binding, "connection"));
    }

    [Fact]
    public void Metadata_WeakLabel_ReadsTheLabelRequestsQueueAndCanStartWorkflows()
    {
        var function = Functions["WeakLabel"];
        var binding = FunctionsMetadata.Binding(function, "queueTrigger");
        Assert.Equal("label-requests", FunctionsMetadata.String(binding, "queueName"));
        Assert.Equal("LabelingStorage", FunctionsMetadata.String(binding, "connection"));
        FunctionsMetadata.Binding(function, "durableClient");
    }

    [Fact]
    public void Metadata_IngestPoisoned_ReadsTheBlobTriggerPoisonQueueOfTheStorageConnection()
    {
        // The host writes a poisoned blob's name to this queue in the storage account of the blob trigger's connection
        // (LabelingStorage), so the trigger reads that account; storage.bicep creates the queue.
        var binding = FunctionsMetadata.Binding(Functions["IngestPoisoned"], "queueTrigger");
        Assert.Equal("webjobs-blobtrigger-poison", FunctionsMetadata.String(binding, "queueName"));
        Assert.Equal(FunctionsMetadata.String(FunctionsMetadata.Binding(Functions["Ingest"], "blobTrigger"), "connection"), FunctionsMetadata.String(binding, "connection"));
    }

    [Fact]
    public void Metadata_CollectVotes_IsAnOrchestratorWithItsFourActivities()
    {
        FunctionsMetadata.Binding(Functions["CollectVotes"], "orchestrationTrigger");
        foreach (var activity in new[] { "OpenItemForCrowd", "ObserveCrowdVote", "ReturnItemToPool", "CompleteCrowdItem" })
        {
            FunctionsMetadata.Binding(Functions[activity], "activityTrigger");
        }
    }

    [Fact]
    public void Metadata_Api_IsOneAnonymousCatchAllRouteForEveryMethod()
    {
        var binding = FunctionsMetadata.Binding(Functions["Api"], "httpTrigger");
        Assert.Equal("api/{*path}", FunctionsMetadata.String(binding, "route"));
        Assert.Equal("Anonymous", FunctionsMetadata.String(binding, "authLevel"), ignoreCase: true);
        var methods = binding.GetProperty("methods").EnumerateArray().Select(m => m.GetString() ?? "").ToArray();
        Assert.Equal(new[] { "get", "head", "post", "put", "patch", "delete", "options" }, methods);
    }

    [Fact]
    public void Metadata_RefitReliabilities_IsATimerWhoseScheduleComesFromConfiguration()
    {
        var binding = FunctionsMetadata.Binding(Functions["RefitReliabilities"], "timerTrigger");
        Assert.Equal("%RefitReliabilitiesSchedule%", FunctionsMetadata.String(binding, "schedule"));
    }

    [Fact]
    public void Metadata_PurgeWorkflowHistory_IsADailyTimerWithTheDurableClient()
    {
        var function = Functions["PurgeWorkflowHistory"];
        Assert.Equal("0 30 3 * * *", FunctionsMetadata.String(FunctionsMetadata.Binding(function, "timerTrigger"), "schedule"));
        FunctionsMetadata.Binding(function, "durableClient");
    }

    [Fact]
    public void Metadata_FinishProjectDeletions_IsATimerEveryFiveMinutes()
    {
        var binding = FunctionsMetadata.Binding(Functions["FinishProjectDeletions"], "timerTrigger");
        Assert.Equal("0 */5 * * * *", FunctionsMetadata.String(binding, "schedule"));
    }

    [Fact]
    public void Metadata_DispatchLabelEvents_IsATimerEveryMinute()
    {
        var binding = FunctionsMetadata.Binding(Functions["DispatchLabelEvents"], "timerTrigger");
        Assert.Equal("0 * * * * *", FunctionsMetadata.String(binding, "schedule"));
    }

    [Fact]
    public void HostJson_RoutePrefixIsEmpty_SoTheApiKeepsItsLocalPaths()
    {
        using var host = HostJson();
        Assert.Equal("", host.RootElement.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
    }

    [Fact]
    public void HostJson_MaxDequeueCount_IsTheReceiveOnWhichWeakLabelLogsThePoisonEvent()
    {
        // WeakLabel logs event 9202 (the weaklabel-poisoned alert) on the receive the host gives up after; a host.json
        // changed without the constant would log it on the wrong receive, or never.
        using var host = HostJson();
        Assert.Equal(Labeling.Functions.WeakLabeling.WeakLabelFunction.MaxDequeueCount, host.RootElement.GetProperty("extensions").GetProperty("queues").GetProperty("maxDequeueCount").GetInt32());
    }

    [Fact]
    public void HostJson_DurableQueuePolling_IsAtMostTenSeconds_AsDurableFunctionsOnFlexConsumptionNeeds()
    {
        // The Azure Storage provider backs off to maxQueuePollingInterval (default 30 s) when its queues are idle, and each hop
        // of a crowd workflow (vote event, activity, its result) can wait that long; the Durable Functions docs ask for 10 s
        // or less on Flex Consumption (durable-functions-azure-storage-provider#flex-consumption-plan).
        using var host = HostJson();
        var storage = host.RootElement.GetProperty("extensions").GetProperty("durableTask").GetProperty("storageProvider");
        Assert.Equal("AzureWebJobsStorage", storage.GetProperty("connectionName").GetString());
        var interval = TimeSpan.Parse(storage.GetProperty("maxQueuePollingInterval").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(interval, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
    }

    private static System.Text.Json.JsonDocument HostJson()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "host.json")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        return System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.FullName, "host.json")));
    }
}
