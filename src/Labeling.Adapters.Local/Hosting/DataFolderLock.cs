using Microsoft.Extensions.Options;

namespace Labeling.Adapters.Local.Hosting;

/// <summary>
/// Keeps a second server off a data folder this one is using. The server holds each project's truth model in memory
/// and runs the folder's work queue, outbox and inbox; a second process on the same folder would write votes the first
/// one's models never see and deliver the same events twice. The lock is the operating system's on an open file
/// (<see cref="FileName"/> in the folder), so a server that crashes or is killed leaves nothing to clean up.
/// </summary>
/// <remarks>
/// The server takes it before the host starts (<c>Program</c>), so a refusal is one line, not a failed host start;
/// <see cref="LocalStartup"/> takes it too, for any other host of the local adapters. It is let go when the host's
/// services are disposed.
/// </remarks>
public sealed class DataFolderLock : IDisposable
{
    /// <summary>The lock file in the data folder.</summary>
    public const string FileName = ".lock";

    // What .NET reports for a file another process holds locked: ERROR_SHARING_VIOLATION on Windows; elsewhere flock's
    // errno, EWOULDBLOCK (11 on Linux, 35 on macOS and the BSDs).
    private const int SharingViolation = unchecked((int)0x80070020);

    private readonly Lock _gate = new();
    private readonly string _folder;
    private FileStream? _file;

    /// <summary>Creates the lock of the configured data folder, not yet taken.</summary>
    /// <param name="storage">Storage settings.</param>
    public DataFolderLock(IOptions<LocalStorageOptions> storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _folder = storage.Value.FullDataDirectory;
    }

    /// <summary>Takes the folder (creating it, owner-only, if needed), unless this instance holds it already.</summary>
    /// <exception cref="DataFolderInUseException">Another process (or another host in this one) holds the folder.</exception>
    /// <exception cref="DataFolderUnavailableException">The folder or its lock file cannot be created or opened for another reason.</exception>
    public void Take()
    {
        lock (_gate)
        {
            if (_file is not null)
            {
                return;
            }

            var path = Path.Combine(_folder, FileName);
            try
            {
                OwnerOnlyDirectory.Create(_folder);
                // FileShare.None is an exclusive lock on the open file (flock on Linux and macOS, a share mode on Windows).
                _file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException ex) when (IsHeldByAnother(ex))
            {
                throw new DataFolderInUseException(
                    $"The data folder '{_folder}' is in use by another Labeling.Server ({path} is locked). Stop that server, or start this one with a folder of its own (--data DIR).",
                    ex);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Not another server: a path that is a file, a folder this user may not write, a read-only or full disk.
                throw new DataFolderUnavailableException(
                    $"The data folder '{_folder}' cannot be used: {ex.Message} Give this user a folder it can create and write (--data DIR), on a disk that is writable and has room.",
                    ex);
            }
        }
    }

    private static bool IsHeldByAnother(IOException exception) => exception.HResult switch
    {
        SharingViolation => true,
        11 => OperatingSystem.IsLinux(),
        35 => OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD(),
        _ => false,
    };

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _file?.Dispose();
            _file = null;
        }
    }
}

/// <summary>The data folder is held by another server (<see cref="DataFolderLock"/>).</summary>
public sealed class DataFolderInUseException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public DataFolderInUseException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened and what to do.</param>
    public DataFolderInUseException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened and what to do.</param>
    /// <param name="innerException">The failed open of the lock file.</param>
    public DataFolderInUseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The data folder cannot be created or written (<see cref="DataFolderLock"/>), for a reason other than another server.</summary>
public sealed class DataFolderUnavailableException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public DataFolderUnavailableException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened and what to do.</param>
    public DataFolderUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened and what to do.</param>
    /// <param name="innerException">The cause.</param>
    public DataFolderUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
