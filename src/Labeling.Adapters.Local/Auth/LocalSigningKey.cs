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
    public static LocalSigningKey LoadOrCreate(string path, ILogger? logger = null)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            OwnerOnlyDirectory.Create(Path.GetDirectoryName(full)!);
            using var created = RSA.Create(2048);
            var pem = created.ExportPkcs8PrivateKeyPem();
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            try
            {
                using var file = new FileStream(full, options);
                using var writer = new StreamWriter(file);
                writer.Write(pem);
            }
            catch (IOException) when (File.Exists(full))
            {
                // Another process (the server, or a token command) created it first; use theirs.
            }
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
        rsa.ImportFromPem(File.ReadAllText(full));
        var key = new RsaSecurityKey(rsa);
        key.KeyId = Base64UrlEncoder.Encode(key.ComputeJwkThumbprint());
        return new LocalSigningKey(key, full);
    }

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "The signing key {KeyFile} is open to other users (mode {Mode}: {Access}); whoever reads it can mint Admin tokens. Make it the owner's only (chmod 600), or delete it to have a new key made at the next start (tokens minted with the old key then stop working)")]
    private static partial void LogKeyFileOpenToOthers(ILogger logger, string keyFile, string mode, string access);
}
