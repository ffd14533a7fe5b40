using System.Text;

namespace Labeling.Application.Ingestion;

/// <summary>The name a received file is recorded and stored under: its own name with control and bidi characters replaced.</summary>
/// <remarks>
/// The name comes from whoever sent the file. It is shown in the document list, written to logs, returned in
/// responses and used for files on disk, where a CR/LF forges a log line or header, an ESC drives a terminal,
/// and a right-to-left override (U+202E) before <c>txt.exe</c> makes <c>invoice</c>, U+202E, <c>txt.exe</c> read as <c>invoiceexe.txt</c>. Every C0 and C1 control,
/// DEL, the bidi embeddings, overrides, isolates and marks, and the Unicode line and paragraph separators
/// become <c>_</c>; letters, marks, symbols and emoji of every script are kept.
/// </remarks>
public static class DocumentFileName
{
    /// <summary>The name with every unsafe character replaced by <c>_</c>.</summary>
    /// <param name="name">The name as sent.</param>
    /// <returns>The same string when nothing needed replacing.</returns>
    public static string Clean(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!name.Any(IsUnsafe))
        {
            return name;
        }

        var clean = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            clean.Append(IsUnsafe(c) ? '_' : c);
        }

        return clean.ToString();
    }

    private static bool IsUnsafe(char c) =>
        char.IsControl(c)
        || c is '\u061C' or '\u200E' or '\u200F' or '\u2028' or '\u2029'
        || c is >= '\u202A' and <= '\u202E'
        || c is >= '\u2066' and <= '\u2069';
}
