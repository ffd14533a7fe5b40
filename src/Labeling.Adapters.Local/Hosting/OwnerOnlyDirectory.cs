namespace Labeling.Adapters.Local.Hosting;

/// <summary>
/// Creates the data folder and the folders that hold secrets so that only their owner can open them (0700 on Unix):
/// the folder holds every text, label and vote, and the key that signs Admin tokens. A folder that exists already is
/// left as its owner made it.
/// </summary>
internal static class OwnerOnlyDirectory
{
    /// <summary>Creates <paramref name="path"/> and any missing parents, owner-only on Unix; an existing folder is not changed.</summary>
    /// <param name="path">The folder.</param>
    public static void Create(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            // A new folder inherits the parent's access list, which under the user's profile is already the user's.
            Directory.CreateDirectory(path);
            return;
        }

        // The mode goes to the last folder only: missing parents (the data folder under keys/) are made here first.
        var full = Path.GetFullPath(path);
        if (Path.GetDirectoryName(full) is { } parent && !Directory.Exists(parent))
        {
            Create(parent);
        }

        Directory.CreateDirectory(full, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Creates an empty file owner-only (0600 on Unix) unless it exists; an existing file is not changed.</summary>
    /// <param name="path">The file.</param>
    public static void CreateFile(string path)
    {
        if (OperatingSystem.IsWindows() || File.Exists(path))
        {
            return;
        }

        try
        {
            using var _ = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException) when (File.Exists(path))
        {
            // Made meanwhile by someone else (another process opening the same database): theirs stands.
        }
    }
}
