using System.Security.Cryptography;
using System.Text;

namespace Labeling.Application.Ingestion;

/// <summary>SHA-256 fingerprints for deduplication: of an item's text, and of a file's raw bytes.</summary>
/// <remarks>
/// Item text is normalised before hashing — Unicode NFC, every run of whitespace collapsed to one
/// space, ends trimmed — so the same comment pasted with different spacing, line breaks or a
/// decomposed "é" dedups to one item. Case and punctuation are kept: "Subscribe!" and "subscribe"
/// are different items. Hashes are 64 lowercase hex characters.
/// </remarks>
public static class ContentHash
{
    /// <summary>The text exactly as it is hashed by <see cref="OfText"/>.</summary>
    /// <param name="text">Any text.</param>
    /// <returns>NFC, whitespace-collapsed, trimmed text.</returns>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        // A lone surrogate cannot be normalised (ICU throws); it carries no text, so it becomes
        // U+FFFD exactly as the UTF-8 decoder would have made it.
        var wellFormed = Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text));
        // Stream-safe first, as the splitter makes every item's text: see TextSplitter.StreamSafe.
        return TextSplitter.NormalizeWhitespace(TextSplitter.StreamSafe(wellFormed).Normalize(NormalizationForm.FormC));
    }

    /// <summary>Hash of an item's normalised text, for item-level dedup.</summary>
    /// <param name="text">The item text.</param>
    /// <returns>SHA-256 of the UTF-8 bytes of <see cref="Normalize"/>(<paramref name="text"/>), lowercase hex.</returns>
    public static string OfText(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(Normalize(text));
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    /// <summary>Hash of a file's raw bytes, for file-level dedup.</summary>
    /// <param name="content">The file's bytes.</param>
    /// <returns>SHA-256 of the bytes, lowercase hex.</returns>
    public static string OfBytes(ReadOnlySpan<byte> content) =>
        Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>Hash of a file's raw bytes read from a stream to its end, for file-level dedup.</summary>
    /// <param name="content">The file's bytes, read from the current position; not disposed.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>SHA-256 of the bytes, lowercase hex.</returns>
    public static async Task<string> OfStreamAsync(Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var hash = await SHA256.HashDataAsync(content, cancellationToken).ConfigureAwait(false);
        return Convert.ToHexStringLower(hash);
    }
}
