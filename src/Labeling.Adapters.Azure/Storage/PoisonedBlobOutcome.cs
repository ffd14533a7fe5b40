namespace Labeling.Adapters.Azure.Storage;

/// <summary>What <see cref="PoisonedBlobQuarantine.SetAsideAsync"/> did with a poisoned blob.</summary>
public enum PoisonedBlobOutcome
{
    /// <summary>The file was quarantined with a reason; the project's document list shows it.</summary>
    Quarantined,

    /// <summary>The blob is not a project's file in the documents container; it was left where it is.</summary>
    NotADocument,

    /// <summary>The blob was replaced since the failing version (another ETag); the new version has its own event.</summary>
    Replaced,

    /// <summary>The same bytes are recorded as ingested (the failure came after their record was written): the file was archived as their duplicate.</summary>
    AlreadyIngested,

    /// <summary>The blob is gone (deleted, or already set aside by an earlier delivery of the message).</summary>
    Gone,
}
