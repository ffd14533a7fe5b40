using System.Globalization;
using System.Runtime.CompilerServices;
using Labeling.Application.Ingestion;
using Labeling.Application.Ports;
using Labeling.Domain.Documents;
using Microsoft.Extensions.Options;

namespace Labeling.Adapters.Local.Inbox;

/// <summary>
/// The document container as folders: files dropped in <c>inbox/{projectId}/</c> or uploaded to
/// <c>uploads/{projectId}/</c> are moved, once processed, to <c>processed/{projectId}/</c> or
/// <c>quarantine/{projectId}/</c> (next to a <c>.reason.txt</c> with the reason).
/// </summary>
public sealed class FolderDocumentSource : IDocumentSource
{
    private readonly LocalStorageOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Creates the source.</summary>
    public FolderDocumentSource(IOptions<LocalStorageOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
    }

    /// <summary>The inbox folder; one sub-folder per project.</summary>
    public string InboxDirectory => _options.PathOf("inbox");

    /// <inheritdoc />
    public async Task<StoredDocument> SaveUploadAsync(string projectId, string fileName, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var folder = _options.PathOf("uploads", Safe(projectId));
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"{Guid.NewGuid():N}-{Safe(fileName)}");
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        await using (file.ConfigureAwait(false))
        {
            await content.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
        }

        // The name is the sender's and ends up in the document record, logs and responses; see DocumentFileName.
        return new StoredDocument(projectId, DocumentFileName.Clean(fileName), path, new FileInfo(path).Length);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<StoredDocument> ListInboxAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        if (!Directory.Exists(InboxDirectory))
        {
            yield break;
        }

        var settledBefore = _time.GetUtcNow() - _options.InboxSettleTime;
        foreach (var projectFolder in Directory.EnumerateDirectories(InboxDirectory))
        {
            foreach (var path in Directory.EnumerateFiles(projectFolder))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var info = new FileInfo(path);
                // Hidden and temporary files are still being written by whoever drops them.
                if (info.Name.StartsWith('.') || info.Extension is ".tmp" or ".part" or ".crdownload" || info.LastWriteTimeUtc > settledBefore.UtcDateTime)
                {
                    continue;
                }

                yield return new StoredDocument(Path.GetFileName(projectFolder), DocumentFileName.Clean(info.Name), info.FullName, info.Length);
            }
        }
    }

    /// <inheritdoc />
    public Task<Stream?> OpenReadAsync(StoredDocument document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (!File.Exists(document.Location))
        {
            return Task.FromResult<Stream?>(null);
        }

        try
        {
            return Task.FromResult<Stream?>(new FileStream(document.Location, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true));
        }
        catch (FileNotFoundException)
        {
            // Moved away between the check and the open by an earlier delivery of the same message.
            return Task.FromResult<Stream?>(null);
        }
    }

    /// <inheritdoc />
    public async Task ArchiveAsync(StoredDocument document, DocumentStatus status, string? reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (!File.Exists(document.Location))
        {
            return;
        }

        var folder = _options.PathOf(status == DocumentStatus.Quarantined ? "quarantine" : "processed", Safe(document.ProjectId));
        Directory.CreateDirectory(folder);
        var stamp = _time.GetUtcNow().ToString("yyyyMMddTHHmmssfff", CultureInfo.InvariantCulture);
        var target = Path.Combine(folder, $"{stamp}-{Safe(document.FileName)}");
        if (reason is not null)
        {
            await File.WriteAllTextAsync(target + ".reason.txt", reason + Environment.NewLine, cancellationToken).ConfigureAwait(false);
        }

        File.Move(document.Location, target, overwrite: true);
    }

    // File systems allow 255 bytes a name; the stored name adds a 33-character prefix. The original name
    // is kept on the document record; this is only the file's name on disk, cut to fit (extension kept).
    private const int MaxNameBytes = 160;

    // Path.GetInvalidFileNameChars is only NUL and '/' on Linux, so control and bidi characters are replaced first:
    // a name on disk holding CR/LF or ESC breaks every listing, script and terminal that shows it.
    internal static string Safe(string name)
    {
        var invalid = Path.GetInvalidFileNameChars();
        var safe = new string(DocumentFileName.Clean(name).Select(c => invalid.Contains(c) ? '_' : c).ToArray());
        safe = safe.Length == 0 || safe is "." or ".." ? "_" : safe;
        if (System.Text.Encoding.UTF8.GetByteCount(safe) <= MaxNameBytes)
        {
            return safe;
        }

        var extension = Path.GetExtension(safe) is { Length: > 0 and <= 16 } e ? e : string.Empty;
        var budget = MaxNameBytes - System.Text.Encoding.UTF8.GetByteCount(extension);
        var stem = new System.Text.StringBuilder();
        // Whole text elements only, so a surrogate pair or a combining sequence is never split.
        var elements = System.Globalization.StringInfo.GetTextElementEnumerator(safe[..^extension.Length]);
        while (elements.MoveNext())
        {
            var element = elements.GetTextElement();
            budget -= System.Text.Encoding.UTF8.GetByteCount(element);
            if (budget < 0)
            {
                break;
            }

            stem.Append(element);
        }

        return (stem.Length == 0 ? "_" : stem.ToString()) + extension;
    }
}
