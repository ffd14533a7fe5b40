using System.Globalization;
using System.Runtime.CompilerServices;
using Labeling.Application.Ingestion;
using Labeling.Application.Ports;
using Labeling.Domain.Documents;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Labeling.Adapters.Local.Inbox;

/// <summary>
/// The document container as folders: files dropped in <c>inbox/{projectId}/</c> or uploaded to
/// <c>uploads/{projectId}/</c> are moved, once processed, to <c>processed/{projectId}/</c> or
/// <c>quarantine/{projectId}/</c> (next to a <c>.reason.txt</c> with the reason).
/// </summary>
/// <remarks>
/// Only regular files in real project folders are read or moved. A symbolic link in the inbox — a file or a project
/// folder — is left alone (<see cref="ListInboxAsync(Action{string, string}, CancellationToken)"/> reports it): whoever may drop
/// files there could otherwise hand the server any file it can read (its signing key, served to workers as a task) or
/// have it move the files of any folder it can write into quarantine. The check is repeated when a file is opened and
/// again, on Linux, on the opened handle, since a listed file can be swapped for a link before its message is run.
/// The inbox folder itself may be a link (a shared drive mounted elsewhere): that is the administrator's choice.
/// </remarks>
public sealed partial class FolderDocumentSource : IDocumentSource
{
    private readonly LocalStorageOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<FolderDocumentSource> _logger;
    private readonly Sqlite.SqliteDatabase? _database;

    // The size and time of each file as it was opened for reading, until it is archived: a file replaced under the same
    // name while its predecessor was ingested was moved to processed/ unread (a review measured it with a 6.7 MB file
    // replaced by a 68-byte one); a file that is not the one read stays where it is for the next scan.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (long Length, DateTime WrittenUtc)> _read = new(StringComparer.Ordinal);

    /// <summary>Creates the source.</summary>
    /// <param name="options">Where the data folder is.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="database">The database whose commits are synced before a file is moved out of the inbox; none in tests that have no database.</param>
    public FolderDocumentSource(IOptions<LocalStorageOptions> options, TimeProvider time, ILogger<FolderDocumentSource>? logger = null, Sqlite.SqliteDatabase? database = null)
    {
        _options = options.Value;
        _time = time;
        _logger = logger ?? NullLogger<FolderDocumentSource>.Instance;
        _database = database;
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
        try
        {
            await using (file.ConfigureAwait(false))
            {
                await content.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            // A copy cut short (the client gone, the disk full) is not a document: nothing may find half a file later.
            File.Delete(path);
            throw;
        }

        // The name is the sender's and ends up in the document record, logs and responses; see DocumentFileName.
        return new StoredDocument(projectId, DocumentFileName.Clean(fileName), path, new FileInfo(path).Length);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<StoredDocument> ListInboxAsync(CancellationToken cancellationToken) => ListInboxAsync((_, _) => { }, cancellationToken);

    /// <summary>Lists the settled files of every project folder in the inbox.</summary>
    /// <param name="skipped">Called with the path and kind of each entry that is not listed: a symbolic link (a project folder
    /// or a file), or a file that is not a regular one (a named pipe, socket or device, which would block the reader).</param>
    /// <param name="cancellationToken">Stops the listing.</param>
    /// <returns>The files.</returns>
    public async IAsyncEnumerable<StoredDocument> ListInboxAsync(Action<string, string> skipped, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(skipped);
        await Task.Yield();
        if (!Directory.Exists(InboxDirectory))
        {
            yield break;
        }

        var now = _time.GetUtcNow();
        var settledBefore = now - _options.InboxSettleTime;
        // A file dated ahead of the clock (unpacked from an archive, copied with its times from a machine whose clock runs
        // ahead) is not being written now, which would date it now: it is taken as settled, not left unread and unreported
        // until the clock passes its time. A minute's difference is still taken as the clock's.
        var future = now + TimeSpan.FromMinutes(1);
        foreach (var projectFolder in Directory.EnumerateDirectories(InboxDirectory))
        {
            if (new DirectoryInfo(projectFolder).LinkTarget is not null)
            {
                skipped(projectFolder, LinkKind);
                continue;
            }

            // Only the files directly in a project's folder are read; one a folder down would wait there without a word.
            foreach (var folder in Directory.EnumerateDirectories(projectFolder))
            {
                skipped(folder, SubfolderKind);
            }

            foreach (var path in Directory.EnumerateFiles(projectFolder))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var info = new FileInfo(path);
                if (info.LinkTarget is not null)
                {
                    skipped(path, LinkKind);
                    continue;
                }

                // A pipe, socket or device (which would block the reader) or a hard link (another name of a file elsewhere).
                bool regular;
                try
                {
                    regular = RegularFile.Is(path);
                }
                catch (IOException ex)
                {
                    // One entry the server cannot open (no permission) does not stop the scan of the others.
                    skipped(path, $"a file the server cannot open ({ex.Message})");
                    continue;
                }

                if (!regular)
                {
                    skipped(path, "not a regular file with one name (a named pipe, socket or device, or a hard link)");
                    continue;
                }

                // Hidden and temporary files are still being written by whoever drops them.
                var settling = info.LastWriteTimeUtc > settledBefore.UtcDateTime && info.LastWriteTimeUtc <= future.UtcDateTime;
                if (info.Name.StartsWith('.') || info.Extension is ".tmp" or ".part" or ".crdownload" || settling)
                {
                    continue;
                }

                yield return new StoredDocument(Path.GetFileName(projectFolder), DocumentFileName.Clean(info.Name), info.FullName, info.Length);
            }
        }
    }

    /// <summary>
    /// Uploads still in <c>uploads/</c>: an upload leaves it once its ingest is recorded (moved to <c>processed/</c> or
    /// <c>quarantine/</c>), so one found there when the server starts was stored by a server that stopped before it had
    /// ingested it. Links and files that are not regular files are skipped, as in the inbox.
    /// </summary>
    /// <returns>The uploads, with the file name they were sent with.</returns>
    public IEnumerable<StoredDocument> ListLeftUploads()
    {
        var root = _options.PathOf("uploads");
        if (!Directory.Exists(root))
        {
            yield break;
        }

        foreach (var folder in Directory.EnumerateDirectories(root))
        {
            if (new DirectoryInfo(folder).LinkTarget is not null)
            {
                continue;
            }

            foreach (var path in Directory.EnumerateFiles(folder))
            {
                var info = new FileInfo(path);
                try
                {
                    if (info.LinkTarget is not null || !RegularFile.Is(path))
                    {
                        continue;
                    }
                }
                catch (IOException)
                {
                    continue; // not a file this server can open
                }

                // Stored as {32 hex digits}-{name} (SaveUploadAsync).
                var name = info.Name.Length > UploadPrefixLength && info.Name[UploadPrefixLength - 1] == '-' ? info.Name[UploadPrefixLength..] : info.Name;
                yield return new StoredDocument(Path.GetFileName(folder), DocumentFileName.Clean(name), info.FullName, info.Length);
            }
        }
    }

    private const int UploadPrefixLength = 33;

    /// <inheritdoc />
    public Task<Stream?> OpenReadAsync(StoredDocument document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (!File.Exists(document.Location) || !IsRegularFileInPlace(document.Location))
        {
            return Task.FromResult<Stream?>(null);
        }

        FileStream? stream;
        try
        {
            // Never blocks on a pipe swapped in after the listing, and on Linux refuses a final link at the open itself.
            stream = RegularFile.OpenRead(document.Location);
        }
        catch (FileNotFoundException)
        {
            // Moved away between the check and the open by an earlier delivery of the same message.
            return Task.FromResult<Stream?>(null);
        }

        if (stream is null)
        {
            LogNotRegularFile(_logger, document.Location);
            return Task.FromResult<Stream?>(null);
        }

        if (!OpenedInPlace(stream, document.Location))
        {
            stream.Dispose();
            return Task.FromResult<Stream?>(null);
        }

        _read[document.Location] = (stream.Length, File.GetLastWriteTimeUtc(stream.SafeFileHandle));
        return Task.FromResult<Stream?>(stream);
    }

    private const string LinkKind = "a symbolic link";

    /// <summary>The kind <see cref="ListInboxAsync(Action{string, string}, CancellationToken)"/> reports a folder inside a project folder as.</summary>
    public const string SubfolderKind = "a folder inside a project folder";

    /// <summary>
    /// Whether the path is a regular file, not a link, directly in a project folder that is not a link, directly in the
    /// inbox or the uploads folder: the only places this source reads or moves files from. Logs a refusal.
    /// </summary>
    private bool IsRegularFileInPlace(string location)
    {
        var file = new FileInfo(location);
        var folder = file.Directory;
        var root = folder?.Parent?.FullName;
        var inPlace = file.LinkTarget is null && folder is { LinkTarget: null }
            && (PathsEqual(root, _options.PathOf("inbox")) || PathsEqual(root, _options.PathOf("uploads")));
        if (!inPlace)
        {
            LogNotRegularFile(_logger, location);
        }

        return inPlace;
    }

    /// <summary>
    /// On Linux, whether the opened handle is the file at the checked path (its /proc/self/fd link names that path in
    /// the real folder): the file or its folder may have been swapped for a link between the check and the open.
    /// Elsewhere the check before the open stands alone.
    /// </summary>
    private bool OpenedInPlace(FileStream stream, string location)
    {
        if (!OperatingSystem.IsLinux())
        {
            return true;
        }

        var opened = new FileInfo(string.Create(CultureInfo.InvariantCulture, $"/proc/self/fd/{stream.SafeFileHandle.DangerousGetHandle()}")).LinkTarget;
        var expected = Path.Combine(RealPath(Path.GetDirectoryName(Path.GetDirectoryName(location))!), Path.GetFileName(Path.GetDirectoryName(location))!, Path.GetFileName(location));
        if (opened is not null && string.Equals(opened, expected, StringComparison.Ordinal))
        {
            return true;
        }

        LogNotRegularFile(_logger, location);
        return false;
    }

    private static bool PathsEqual(string? a, string b) =>
        a is not null && string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(b)),
            OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    /// <summary>The path with every symbolic link along it resolved (the inbox folder may be one, or sit under one).</summary>
    internal static string RealPath(string path, int depth = 0)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full)!;
        var current = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            var link = new FileInfo(current).LinkTarget;
            if (link is not null && depth < 40)
            {
                current = RealPath(Path.IsPathRooted(link) ? link : Path.Combine(Path.GetDirectoryName(current)!, link), depth + 1);
            }
        }

        return current;
    }

    /// <inheritdoc />
    public async Task ArchiveAsync(StoredDocument document, DocumentStatus status, string? reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (!File.Exists(document.Location) || !IsRegularFileInPlace(document.Location))
        {
            // Gone (an earlier delivery moved it), or not a file this source may move: a link, or in a linked folder.
            return;
        }

        if (_read.TryRemove(document.Location, out var read)
            && (new FileInfo(document.Location) is var now && (now.Length != read.Length || now.LastWriteTimeUtc != read.WrittenUtc)))
        {
            // Another file now has this name (replaced while the one read was ingested): it is not the one recorded, and
            // the next scan reads it.
            LogReplacedWhileRead(_logger, document.Location);
            return;
        }

        // The record of this file on the disk before the file leaves the inbox: a power cut could otherwise take back the
        // commit and keep the move, leaving the file in processed/ with no record and no items.
        if (_database is not null)
        {
            await _database.SyncCommitsAsync(cancellationToken).ConfigureAwait(false);
        }

        var folder = _options.PathOf(status == DocumentStatus.Quarantined ? "quarantine" : "processed", Safe(document.ProjectId));
        Directory.CreateDirectory(folder);
        var stamp = _time.GetUtcNow().ToString("yyyyMMddTHHmmssfff", CultureInfo.InvariantCulture);
        var name = Safe(document.FileName);
        // Two files of one name archived in the same millisecond (two uploads at once) had one name there: the second was
        // moved over the first, whose bytes were lost. The later one is "-2" and on, as drift reports are.
        for (var copy = 1; ; copy++)
        {
            var target = Path.Combine(folder, copy == 1 ? $"{stamp}-{name}" : string.Create(CultureInfo.InvariantCulture, $"{stamp}-{copy}-{name}"));
            if (await TryArchiveAsAsync(document.Location, target, reason, cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    // Moves the file to the target next to its reason, unless either name is taken; the reason is written first, so a
    // quarantined file is never without one.
    private static async Task<bool> TryArchiveAsAsync(string location, string target, string? reason, CancellationToken cancellationToken)
    {
        var reasonFile = target + ".reason.txt";
        if (reason is not null)
        {
            try
            {
                var file = new FileStream(reasonFile, FileMode.CreateNew, FileAccess.Write, FileShare.None);
                await using (file.ConfigureAwait(false))
                {
                    await file.WriteAsync(System.Text.Encoding.UTF8.GetBytes(reason + Environment.NewLine), cancellationToken).ConfigureAwait(false);
                }
            }
            catch (IOException) when (File.Exists(reasonFile))
            {
                return false;
            }
        }

        try
        {
            File.Move(location, target, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(target))
        {
            if (reason is not null)
            {
                File.Delete(reasonFile);
            }

            return false;
        }
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

    [LoggerMessage(EventId = 6113, Level = LogLevel.Warning, Message = "Inbox file {Path} was replaced while the file it replaced was being read; the new one is left for the next scan")]
    private static partial void LogReplacedWhileRead(ILogger logger, string path);

    [LoggerMessage(EventId = 6107, Level = LogLevel.Warning, Message = "Refused to read or move {Location}: it is not a regular file in a project folder of the inbox or uploads (a symbolic link, or in a linked folder)")]
    private static partial void LogNotRegularFile(ILogger logger, string location);
}
