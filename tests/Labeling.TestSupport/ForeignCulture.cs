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

    /// <summary>
    /// Makes a child .NET process (the real server an end-to-end test starts) run in <see cref="Culture"/> too: it does not
    /// inherit the test's culture, but reads the machine's locale (LC_ALL, then LANG), which on a build machine is C or
    /// C.UTF-8, the invariant culture. Its UI culture follows, which changes nothing the product writes.
    /// </summary>
    /// <param name="start">The process to start.</param>
    public static void ApplyTo(System.Diagnostics.ProcessStartInfo start)
    {
        ArgumentNullException.ThrowIfNull(start);
        start.Environment["LC_ALL"] = "de_DE.UTF-8";
    }
}
