using System.Globalization;
using System.IO.Compression;

namespace Labeling.Application.Ingestion;

/// <summary>
/// Refuses a <c>.docx</c> package, before System.IO.Packaging opens it, when it has more zip entries than
/// <see cref="MaxEntries"/> or more than <see cref="MaxPackageXmlBytes"/> of relationships and content types.
/// </summary>
/// <remarks>
/// <para>Opening a package loads every relationship of every <c>*.rels</c> part and every entry of
/// <c>[Content_Types].xml</c> into memory, and makes an object for each part; <see cref="IngestionOptions.MaxUnpackedCharacters"/>
/// bounds only the XML of the main document. A 5.5 MB upload whose <c>_rels/.rels</c> held 2,000,000 external
/// relationships (175 MB of XML) was read for 6 s and took about 750 MB.</para>
/// <para>Word writes a few dozen entries and a few kilobytes of these parts; a document with thousands of images
/// or hyperlinks stays far inside both limits. The entries are counted from the zip's central directory, and the
/// parts measured by inflating them into a scratch buffer, not from the sizes the zip declares, which it may
/// understate.</para>
/// </remarks>
internal static class DocxPackageLimits
{
    /// <summary>Most zip entries (parts, relationship parts and folders) a package may hold, 10,000.</summary>
    public const int MaxEntries = 10_000;

    /// <summary>Most bytes the <c>*.rels</c> parts and <c>[Content_Types].xml</c> may unpack to together, 10,000,000.</summary>
    public const long MaxPackageXmlBytes = 10_000_000;

    private const string ContentTypes = "[Content_Types].xml";

    /// <summary>Checks the package in <paramref name="package"/>, which is left where it was.</summary>
    /// <exception cref="DocumentRejectedException">The package is over a limit.</exception>
    /// <exception cref="InvalidDataException">The bytes are not a zip archive.</exception>
    public static void Ensure(Stream package, CancellationToken cancellationToken)
    {
        var start = package.Position;
        using (var zip = new ZipArchive(package, ZipArchiveMode.Read, leaveOpen: true))
        {
            if (zip.Entries.Count > MaxEntries)
            {
                throw new DocumentRejectedException(
                    string.Create(CultureInfo.InvariantCulture, $"The .docx package holds {zip.Entries.Count:N0} zip entries, more than the {MaxEntries:N0} accepted; Word documents hold a few dozen. ")
                    + "The file is damaged or built to exhaust memory. Open and re-save it in Word, or split it.");
            }

            var scratch = new byte[81920];
            long read = 0;
            foreach (var entry in zip.Entries.Where(IsPackageXml))
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var part = entry.Open();
                int count;
                while ((count = part.Read(scratch)) > 0)
                {
                    read += count;
                    if (read > MaxPackageXmlBytes)
                    {
                        throw new DocumentRejectedException(
                            string.Create(CultureInfo.InvariantCulture, $"The .docx package's relationships and content types ([Content_Types].xml and the *.rels parts) unpack to more than {MaxPackageXmlBytes:N0} bytes; ")
                            + "Word documents have a few kilobytes of them. The file is damaged or built to exhaust memory. Open and re-save it in Word.");
                    }
                }
            }
        }

        package.Position = start;
    }

    private static bool IsPackageXml(ZipArchiveEntry entry) =>
        entry.FullName.EndsWith(".rels", StringComparison.OrdinalIgnoreCase)
        || entry.FullName.Equals(ContentTypes, StringComparison.OrdinalIgnoreCase);
}
