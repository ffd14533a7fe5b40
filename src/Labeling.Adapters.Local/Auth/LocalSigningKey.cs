using System.Globalization;
using System.Security.Cryptography;
using Labeling.Adapters.Local.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace Labeling.Adapters.Local.Auth;

/// <summary>
/// The RSA key that signs and validates local tokens, kept as PEM in the data folder: generated on
/// first use (readable by the owner only), loaded on every later start so tokens survive restarts.
/// </summary>
/// <remarks>
/// Whoever reads the key can mint Admin tokens. On Unix the file is created 0600 in a keys folder created 0700 (the
/// mode is given to the create call itself: a file created with the default mode and narrowed afterwards can be
/// opened by another user in between, and that open stays good), and a key file that group or others may read or
/// write is logged as a warning (event 1003) each time it is loaded.
/// </remarks>
public sealed partial class LocalSigningKey
{
    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    private LocalSigningKey(RsaSecurityKey key, string path)
    {
        Key = key;
        FilePath = path;
    }

    /// <summary>The key, with its key id.</summary>
    public RsaSecurityKey Key { get; }

    /// <summary>Where the key is stored.</summary>
    public string FilePath { get; }

    /// <summary>Loads the key from <paramref name="path"/>, creating it first if the file does not exist.</summary>
    /// <param name="path">The PEM file.</param>
    /// <param name="logger">Where a key file others can read is reported; null reports nothing.</param>
    /// <returns>The key.</returns>
    /// <exception cref="InvalidOperationException">The file holds no RSA key of at least <see cref="MinKeyBits"/> bits (empty, damaged, another kind of key), saying what to do.</exception>
    public static LocalSigningKey LoadOrCreate(string path, ILogger? logger = null)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            Create(full);
        }

        if (logger is not null && !OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(full);
            if ((mode & GroupOrOthers) != 0)
            {
                LogKeyFileOpenToOthers(logger, full, Convert.ToString((int)mode, 8).PadLeft(4, '0'), (mode & GroupOrOthers).ToString());
            }
        }

        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(File.ReadAllText(full));
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
            throw new InvalidOperationException(
                $"The signing key {full} holds no RSA private key in PEM ({ex.Message}). Delete it to have a new key made at the next start (tokens minted with the old key then stop working), or put the key back.",
                ex);
        }

        try
        {
            // A public key imports as well, and failed only when the first token was signed.
            _ = rsa.ExportParameters(includePrivateParameters: true);
        }
        catch (CryptographicException)
        {
            rsa.Dispose();
            throw new InvalidOperationException(
                $"The signing key {full} is a public key; it must be the RSA private key that signs tokens. Delete it to have a new key made at the next start (tokens minted with the old key then stop working), or put the private key back.");
        }

        if (rsa.KeySize < MinKeyBits)
        {
            var bits = rsa.KeySize;
            rsa.Dispose();
            throw new InvalidOperationException(
                string.Create(CultureInfo.InvariantCulture, $"The signing key {full} is an RSA key of {bits} bits, too short to trust with Admin tokens (at least {MinKeyBits}). Delete it to have a new key of 2048 bits made at the next start."));
        }

        var key = new RsaSecurityKey(rsa);
        key.KeyId = Base64UrlEncoder.Encode(key.ComputeJwkThumbprint());
        return new LocalSigningKey(key, full);
    }

    /// <summary>The shortest RSA key taken, in bits.</summary>
    public const int MinKeyBits = 2048;

    // Written whole to a file of its own, synced, then given the key's name in one step that fails if the name is taken:
    // a reader never sees a half-written key (two first starts at once, the server and a token command, made one read the
    // other's empty file, an abort), and a crash leaves no empty key behind, only a temporary file.
    private static void Create(string full)
    {
        var folder = Path.GetDirectoryName(full)!;
        OwnerOnlyDirectory.Create(folder);
        using var created = RSA.Create(2048);
        var pem = created.ExportPkcs8PrivateKeyPem();
        var temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var file = new FileStream(temporary, options))
            {
                file.Write(System.Text.Encoding.ASCII.GetBytes(pem));
                file.Flush(flushToDisk: true);
            }

            try
            {
                File.Move(temporary, full, overwrite: false);
                FileSync.Folder(folder); // the key's name on the disk with it
            }
            catch (IOException) when (File.Exists(full))
            {
                // Another process (the server, or a token command) made it first; use theirs.
            }
        }
        finally
        {
            File.Delete(temporary);
            RemoveLeftOvers(folder, Path.GetFileName(full));
        }
    }

    // Copies of a key a process wrote and then died before moving into place (each a private key): gone once they are
    // older than any creation still running could be.
    private static void RemoveLeftOvers(string folder, string name)
    {
        foreach (var left in Directory.EnumerateFiles(folder, $".{name}.*.tmp"))
        {
            try
            {
                if (DateTime.UtcNow - File.GetLastWriteTimeUtc(left) > TimeSpan.FromMinutes(10))
                {
                    File.Delete(left);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone already, or busy: the next creation looks again.
            }
        }
    }

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "The signing key {KeyFile} is open to other users (mode {Mode}: {Access}); whoever reads it can mint Admin tokens. Make it the owner's only (chmod 600), or delete it to have a new key made at the next start (tokens minted with the old key then stop working)")]
    private static partial void LogKeyFileOpenToOthers(ILogger logger, string keyFile, string mode, string access);
}
