namespace Labeling.Domain.Documents;

/// <summary>What became of an uploaded or dropped file.</summary>
public enum DocumentStatus
{
    /// <summary>Parsed; its items are in the project.</summary>
    Ingested,

    /// <summary>Could not be parsed; kept aside with a reason and no items.</summary>
    Quarantined,
}
