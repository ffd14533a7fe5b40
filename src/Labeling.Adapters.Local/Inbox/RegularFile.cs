using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Labeling.Adapters.Local.Inbox;

/// <summary>
/// Opens a file for reading only if it is a regular file, without blocking: a named pipe (FIFO) dropped in the inbox
/// blocked the open for ever — until something wrote to it — and with it the work queue of every project, after each
/// restart again (fourth security probe). On Linux the file is opened with <c>O_NONBLOCK | O_NOFOLLOW</c> (a pipe opens at
/// once, a final symbolic link is refused) and refused unless it can seek, which pipes, sockets and terminals cannot.
/// Elsewhere it is opened as usual.
/// </summary>
internal static class RegularFile
{
    private const int ReadOnly = 0x0, NonBlocking = 0x800, NoFollow = 0x20000, CloseOnExec = 0x80000;
    private const int NoSuchFile = 2, TooManyLinks = 40, NotADirectory = 20;

    /// <summary>Opens the file, or returns null when it is not a regular file (a pipe, socket or device, or a link on Linux).</summary>
    /// <param name="path">The file.</param>
    /// <returns>The stream, positioned at the start; null when the file is not one to read.</returns>
    /// <exception cref="FileNotFoundException">The file is gone.</exception>
    public static FileStream? OpenRead(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
        }

        var fd = Open(path, ReadOnly | NonBlocking | NoFollow | CloseOnExec);
        if (fd < 0)
        {
            var error = Marshal.GetLastPInvokeError();
            return error switch
            {
                NoSuchFile or NotADirectory => throw new FileNotFoundException($"'{path}' is gone.", path),
                TooManyLinks => null, // O_NOFOLLOW on a symbolic link
                _ => throw new IOException($"'{path}' could not be opened (errno {error})."),
            };
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        FileStream stream;
        try
        {
            stream = new FileStream(handle, FileAccess.Read, 64 * 1024);
        }
        catch
        {
            handle.Dispose();
            throw;
        }

        if (stream.CanSeek)
        {
            return stream;
        }

        stream.Dispose();
        return null;
    }

    /// <summary>Whether the path names a regular file (opened and closed again to find out; never blocks on Linux).</summary>
    /// <param name="path">The file.</param>
    /// <returns>False for a pipe, socket, device or link on Linux, or a file that is gone.</returns>
    public static bool Is(string path)
    {
        try
        {
            using var stream = OpenRead(path);
            return stream is not null;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }

    // DllImport rather than LibraryImport, whose generated code needs the project compiled with unsafe blocks.
    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
}
