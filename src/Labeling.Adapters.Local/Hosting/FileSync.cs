using System.Globalization;
using System.Runtime.InteropServices;

namespace Labeling.Adapters.Local.Hosting;

/// <summary>Puts what was written to a file on the disk itself, so a power cut or a kernel crash cannot take it back.</summary>
internal static class FileSync
{
    private const int ReadOnly = 0x0, CloseOnExec = 0x80000, NoSuchFile = 2, BadDescriptor = 9, Invalid = 22;

    /// <summary>Syncs the file's contents (<c>fsync</c>).</summary>
    /// <param name="stream">The file, open for writing.</param>
    public static void Contents(FileStream stream) => stream.Flush(flushToDisk: true);

    /// <summary>
    /// Syncs a folder's list of names, which a file it has just created is not on the disk without: its contents synced,
    /// the file can still be missing after a power cut. Linux only, where a folder is synced like a file; elsewhere nothing
    /// (Windows and macOS journal the names of a folder on their own).
    /// </summary>
    /// <param name="folder">The folder.</param>
    /// <exception cref="IOException">The folder could not be opened or synced.</exception>
    public static void Folder(string folder)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        ByName(folder, isFolder: true);
    }

    /// <summary>Syncs a file by its name, if it exists.</summary>
    /// <param name="path">The file.</param>
    /// <returns>False when there is no such file.</returns>
    /// <exception cref="IOException">The file could not be opened or synced.</exception>
    public static bool Existing(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
                stream.Flush(flushToDisk: true);
                return true;
            }
            catch (FileNotFoundException)
            {
                return false;
            }
        }

        return ByName(path, isFolder: false);
    }

    // Opens the name read-only (enough for fsync on Linux), syncs it and closes it; false when a file is not there (a
    // folder not there is an error). EINVAL or EBADF from a folder's fsync: a file system that cannot sync a folder (as
    // PostgreSQL also takes them); nothing more to do.
    private static bool ByName(string path, bool isFolder)
    {
        var what = isFolder ? $"The folder '{path}'" : $"'{path}'";
        var fd = Open(path, ReadOnly | CloseOnExec);
        if (fd < 0)
        {
            var error = Marshal.GetLastPInvokeError();
            return !isFolder && error == NoSuchFile ? false : throw new IOException(string.Create(CultureInfo.InvariantCulture, $"{what} could not be opened to sync it (errno {error})."));
        }

        try
        {
            if (Fsync(fd) != 0 && Marshal.GetLastPInvokeError() is var error && !(isFolder && error is Invalid or BadDescriptor))
            {
                throw new IOException(string.Create(CultureInfo.InvariantCulture, $"{what} could not be synced (errno {error})."));
            }

            return true;
        }
        finally
        {
            _ = Close(fd);
        }
    }

    // DllImport rather than LibraryImport, whose generated code needs the project compiled with unsafe blocks.
    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
