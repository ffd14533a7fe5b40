namespace Labeling.Adapters.Local.Hosting;

/// <summary>
/// Keeps a second server off a data folder this one is using. The server holds each project's truth model in memory
/// and runs the folder's work queue, outbox and inbox; a second process on the same folder would write votes the first
/// one's models never see and deliver the same events twice. The lock is the operating system's on an open file, so a
/// server that crashes or is killed leaves nothing to clean up.
/// </summary>
public sealed class DataFolderLock : IDisposable
{
    /// <summary>The lock file in the data folder.</summary>
    public const string FileName = ".lock";

    private readonly FileStream _file;

    private DataFolderLock(FileStream file) => _file = file;

    /// <summary>Takes the folder, creating it if needed.</summary>
    /// <param name="folder">The data folder.</param>
    /// <returns>The lock; dispose it to let the folder go.</returns>
    /// <exception cref="DataFolderInUseException">Another process (or another host in this one) holds the folder.</exception>
    public static DataFolderLock Acquire(string folder)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, FileName);
        try
        {
            // FileShare.None is an exclusive lock on the open file (flock on Linux and macOS, a share mode on Windows).
            return new DataFolderLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException ex)
        {
            throw new DataFolderInUseException(
                $"The data folder '{folder}' is in use by another Labeling.Server ({path} is locked). Stop that server, or start this one with a folder of its own (--data DIR).",
                ex);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();
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
