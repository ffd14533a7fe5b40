namespace Labeling.Application.Ports;

/// <summary>A file in the document container (a blob, or a file in the local inbox).</summary>
/// <param name="ProjectId">The project it was sent to.</param>
/// <param name="FileName">Its name as sent.</param>
/// <param name="Location">Where the container keeps it (blob name or path).</param>
/// <param name="Length">Its size in bytes.</param>
public sealed record StoredDocument(string ProjectId, string FileName, string Location, long Length);
