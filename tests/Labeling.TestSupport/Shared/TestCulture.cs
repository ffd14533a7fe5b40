using System.Runtime.CompilerServices;

namespace Labeling.TestSupport.Shared;

/// <summary>
/// Compiled into every test assembly (Directory.Build.props): its tests run in <see cref="ForeignCulture"/>.
/// </summary>
internal static class TestCulture
{
#pragma warning disable CA2255 // A test assembly's start-up, not a library's: every test runs in a foreign culture.
    [ModuleInitializer]
    internal static void Apply() => ForeignCulture.Apply();
#pragma warning restore CA2255
}
