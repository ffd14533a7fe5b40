using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Labeling.Adapters.Local.Auth;

/// <summary>
/// The RSA key that signs and validates local tokens, kept as PEM in the data folder: generated on
/// first use (readable by the owner only), loaded on every later start so tokens survive restarts.
/// </summary>
public sealed class LocalSigningKey
{
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
    /// <returns>The key.</returns>
    public static LocalSigningKey LoadOrCreate(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            using var created = RSA.Create(2048);
            var pem = created.ExportPkcs8PrivateKeyPem();
            try
            {
                using var file = new FileStream(full, FileMode.CreateNew, FileAccess.Write, FileShare.None);
                using var writer = new StreamWriter(file);
                writer.Write(pem);
            }
            catch (IOException) when (File.Exists(full))
            {
                // Another process (the server, or a token command) created it first; use theirs.
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(full, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(full));
        var key = new RsaSecurityKey(rsa);
        key.KeyId = Base64UrlEncoder.Encode(key.ComputeJwkThumbprint());
        return new LocalSigningKey(key, full);
    }
}
