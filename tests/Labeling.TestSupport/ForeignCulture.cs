using System.Globalization;

namespace Labeling.TestSupport;

/// <summary>
/// Runs a test assembly as a server in Germany would run: numbers written "1.234,5", not "1,234.5". Answers, reasons and
/// files the product writes must read the same on every server, so every test that pins a message or a figure checks that
/// too; the build machines run in the invariant culture, where culture-dependent formatting went unnoticed.
/// </summary>
public static class ForeignCulture
{
    /// <summary>The culture the tests run in.</summary>
    public static readonly CultureInfo Culture = CultureInfo.GetCultureInfo("de-DE");

    /// <summary>
    /// Makes <see cref="Culture"/> every thread's culture for formatting and parsing from now on (call it from a module
    /// initializer). The UI culture stays: libraries' own messages (System.CommandLine's) may be translated, which is theirs.
    /// </summary>
    public static void Apply()
    {
        CultureInfo.DefaultThreadCurrentCulture = Culture;
        CultureInfo.CurrentCulture = Culture;
    }
}
