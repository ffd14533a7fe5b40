namespace Labeling.Application.Work;

/// <summary>Names of the work queues (Storage Queue names on Azure: lower case and dashes).</summary>
public static class WorkQueues
{
    /// <summary>Files in the document container waiting to be parsed into items. Payload: <c>StoredDocument</c>.</summary>
    public const string IngestDocument = "ingest-document";

    /// <summary>Items waiting for machine labelers and routing. Payload: <c>WeakLabelMessage</c>.</summary>
    public const string WeakLabel = "label-requests";
}
