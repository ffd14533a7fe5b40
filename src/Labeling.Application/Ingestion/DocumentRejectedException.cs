namespace Labeling.Application.Ingestion;

/// <summary>
/// A document could not be turned into items: unsupported extension, missing column, malformed
/// line, corrupt container, too large, or mostly undecodable bytes. The caller quarantines the file
/// and shows <see cref="Reason"/> to the person who uploaded it.
/// </summary>
/// <remarks>
/// <see cref="Reason"/> says what is wrong and, where it can, what to change (a setting, an encoding).
/// It never carries more than a short snippet of the document's text.
/// </remarks>
public sealed class DocumentRejectedException : Exception
{
    /// <summary>Creates a rejection with a human-readable reason.</summary>
    /// <param name="reason">What is wrong with the document and how to fix it.</param>
    public DocumentRejectedException(string reason)
        : this(reason, fileName: null, innerException: null)
    {
    }

    /// <summary>Creates a rejection with a human-readable reason and the underlying error.</summary>
    /// <param name="reason">What is wrong with the document and how to fix it.</param>
    /// <param name="innerException">The library error that revealed the problem, if any.</param>
    public DocumentRejectedException(string reason, Exception? innerException)
        : this(reason, fileName: null, innerException)
    {
    }

    /// <summary>Creates a rejection for a named file.</summary>
    /// <param name="reason">What is wrong with the document and how to fix it.</param>
    /// <param name="fileName">The name of the rejected file, if known.</param>
    /// <param name="innerException">The library error that revealed the problem, if any.</param>
    public DocumentRejectedException(string reason, string? fileName, Exception? innerException)
        : base(fileName is null ? reason : $"{fileName}: {reason}", innerException)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        Reason = reason;
        FileName = fileName;
    }

    /// <summary>Why the document was rejected, written for the person who uploaded it.</summary>
    public string Reason { get; }

    /// <summary>The name of the rejected file, when the parser was given one.</summary>
    public string? FileName { get; }

    internal DocumentRejectedException WithFileName(string fileName) =>
        FileName is not null ? this : new DocumentRejectedException(Reason, fileName, InnerException);
}
