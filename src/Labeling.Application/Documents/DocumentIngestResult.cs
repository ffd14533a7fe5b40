using Labeling.Domain.Documents;

namespace Labeling.Application.Documents;

/// <summary>What ingesting one file did.</summary>
/// <param name="Document">The document record (ingested or quarantined).</param>
/// <param name="AlreadyKnown">True when the same bytes had been received before; nothing was added this time.</param>
public sealed record DocumentIngestResult(Document Document, bool AlreadyKnown);
