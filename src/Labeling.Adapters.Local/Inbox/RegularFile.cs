using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Labeling.Adapters.Local.Inbox;

/// <summary>
/// Opens a file for reading only if it is a regular file, without blocking: a named pipe (FIFO) dropped in the inbox
/// blocked the open for ever — until something wrote to it — and with it the work queue of every project, after each
/// restart again (fourth security probe). On Linux the file is opened with <c>O_NONBLOCK | O_NOFOLLOW</c> (a pipe opens at
/// once, a final symbolic link is refused) and refused unless it can seek, which pipes, sockets and terminals cannot,
/// and unless it has one name: a hard link in the inbox to a file elsewhere (the signing key, to its owner) would hand
/// the server that file as a symbolic link did (<c>statx</c>'s link count, whose layout is the same on every Linux
/// architecture). Elsewhere it is opened as usual.
/// </summary>
internal static class RegularFile
{
    private const int ReadOnly = 0x0, NonBlocking = 0x800, NoFollow = 0x20000, CloseOnExec = 0x80000;
    private const int NoSuchFile = 2, TooManyLinks = 40, NotADirectory = 20, NoDevice = 6;

    /// <summary>Opens the file, or returns null when it is not a regular file with one name (a pipe, socket or device, or on Linux a symbolic or hard link).</summary>
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
                NoDevice => null, // a socket, or a device without its driver: nothing to read

                _ => throw new IOException(string.Create(CultureInfo.InvariantCulture, $"'{path}' could not be opened (errno {error}).")),
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

        if (stream.CanSeek && LinkCount(fd) == 1)
        {
            return stream;
        }

        stream.Dispose();
        return null;
    }

    /// <summary>Whether the path names a regular file (opened and closed again to find out; never blocks on Linux).</summary>
    /// <param name="path">The file.</param>
    /// <returns>False on Linux for a pipe, socket, device, symbolic or hard link, or a file that is gone; true elsewhere.</returns>
    public static bool Is(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return true; // opening a pipe to find out would block here
        }

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

    // The number of names the open file has: stx_nlink, a 32-bit count at byte 16 of struct statx on every architecture.
    // Where statx is not available (a kernel before 4.11, a sandbox that forbids it) the count is unknown and taken as 1:
    // files are read as before rather than none at all.
    private static uint LinkCount(int fd)
    {
        var buffer = new byte[256];
        return Statx(fd, string.Empty, EmptyPath, LinkCountMask, buffer) == 0 && BitConverter.ToUInt32(buffer, 0) is var mask && (mask & LinkCountMask) != 0
            ? BitConverter.ToUInt32(buffer, 16)
            : 1;
    }

    private const int EmptyPath = 0x1000;
    private const uint LinkCountMask = 0x4;

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

    // DllImport rather than LibraryImport, whose generated code needs the project compiled with unsafe blocks.
    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
}
