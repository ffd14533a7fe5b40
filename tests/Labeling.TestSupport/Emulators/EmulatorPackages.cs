using System.Diagnostics;

namespace Labeling.TestSupport.Emulators;

/// <summary>
/// The locked npm packages under <c>tests/emulators</c> (Azurite, the Cosmos DB server). The
/// first fixture that needs them runs <c>npm ci</c> once; test assemblies run in parallel
/// processes, so the install is guarded by an exclusive lock file.
/// </summary>
public static class EmulatorPackages
{
    private static readonly SemaphoreSlim InProcess = new(1, 1);

    /// <summary>The <c>tests/emulators</c> folder of this checkout.</summary>
    public static string Folder { get; } = FindFolder();

    /// <summary>Installs the packages if they are missing and returns the folder.</summary>
    public static async Task<string> EnsureInstalledAsync()
    {
        await InProcess.WaitAsync();
        try
        {
            // Looked at under the lock only: npm ci can have extracted the two files checked before the rest of the
            // packages, so a test process that looked while another was installing could start an emulator missing its
            // modules.
            using var fileLock = await AcquireLockAsync(Path.Combine(Folder, ".install.lock"), TimeSpan.FromMinutes(5));
            if (IsInstalled()) return Folder;
            var psi = new ProcessStartInfo("npm", "ci --no-audit --no-fund --loglevel=error")
            {
                WorkingDirectory = Folder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var npm = Process.Start(psi) ?? throw new InvalidOperationException("Could not start npm; Node.js 20 and npm must be on PATH.");
            var stdout = npm.StandardOutput.ReadToEndAsync();
            var stderr = npm.StandardError.ReadToEndAsync();
            await npm.WaitForExitAsync();
            if (npm.ExitCode != 0)
                throw new InvalidOperationException($"npm ci in {Folder} failed ({npm.ExitCode}): {await stderr}{await stdout}");
            return Folder;
        }
        finally
        {
            InProcess.Release();
        }
    }

    private static bool IsInstalled() =>
        File.Exists(Path.Combine(Folder, "node_modules", "azurite", "dist", "src", "azurite.js"))
        && File.Exists(Path.Combine(Folder, "node_modules", "@vercel", "cosmosdb-server", "lib", "cli.js"));

    private static async Task<FileStream> AcquireLockAsync(string path, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                // Another test process is installing; wait for it.
                await Task.Delay(500);
            }
        }
    }

    private static string FindFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "emulators", "package.json");
            if (File.Exists(candidate)) return Path.GetDirectoryName(candidate)!;
        }
        throw new InvalidOperationException($"tests/emulators/package.json was not found above {AppContext.BaseDirectory}.");
    }
}
