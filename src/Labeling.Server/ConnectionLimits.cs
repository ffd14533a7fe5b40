using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Labeling.Server;

/// <summary>
/// The web server's limits (<c>Kestrel:Limits</c>, which ASP.NET Core does not read from configuration by itself), and a
/// cap on open connections by default. Without one, anyone who could reach the port, token or not, crashed the server by
/// holding about 19,000 idle connections open: each holds a file descriptor, and at the process's limit the runtime
/// failed ("Out of memory.") with nothing in the log. Connections past the cap are turned away, each logged by Kestrel
/// (<c>Microsoft.AspNetCore.Server.Kestrel.Connections</c>, event 24), and the server keeps answering.
/// </summary>
internal static class ConnectionLimits
{
    /// <summary>The most open connections by default, where the open-file limit allows it.</summary>
    public const long DefaultMaxConnections = 5000;

    // Descriptors kept for the database, its WAL, logs, the inbox and event files, and outgoing webhook connections.
    private const long Reserve = 512;

    /// <summary>
    /// Binds <c>Kestrel:Limits</c> onto <paramref name="options"/> and, unless it names one, sets
    /// <c>MaxConcurrentConnections</c> to <see cref="DefaultFor"/> the process's open-file limit.
    /// </summary>
    /// <param name="options">The web server's options.</param>
    /// <param name="configuration">The app's configuration.</param>
    /// <exception cref="OptionsValidationException">A value the web server does not take, naming its key.</exception>
    public static void Apply(KestrelServerOptions options, IConfiguration configuration)
    {
        var limits = configuration.GetSection("Kestrel:Limits");
        try
        {
            limits.Bind(options.Limits);
        }
        catch (InvalidOperationException ex)
        {
            // Not of its type, named by the binder: "Failed to convert configuration value 'abc' at 'Kestrel:Limits:KeepAliveTimeout' …".
            throw Invalid(ex.InnerException is { } reason ? $"{ex.Message} {reason.Message}" : ex.Message);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is ArgumentException refused)
        {
            // Refused by the limit's setter (-5 connections), which names no key.
            throw Invalid(Refused(limits, refused));
        }

        if (limits["MaxConcurrentConnections"] is null)
        {
            options.Limits.MaxConcurrentConnections = DefaultFor(OpenFileLimit());
        }
    }

    private static OptionsValidationException Invalid(string message) =>
        new(Microsoft.Extensions.Options.Options.DefaultName, typeof(KestrelServerLimits), [message]);

    // The setting whose value a limit's setter refused: each one bound on its own to fresh limits, the first that fails.
    private static string Refused(IConfigurationSection limits, ArgumentException refused)
    {
        foreach (var (key, value) in limits.AsEnumerable().Where(p => p.Value is not null))
        {
            var single = new ConfigurationBuilder().AddInMemoryCollection([new(key, value)]).Build().GetSection(limits.Path);
            try
            {
                single.Bind(new KestrelServerLimits());
            }
            catch (TargetInvocationException)
            {
                return $"{key} is '{value}', which the web server does not take: {refused.Message.ReplaceLineEndings(" ")}";
            }
        }

        return $"A setting of {limits.Path} is one the web server does not take: {refused.Message.ReplaceLineEndings(" ")}";
    }

    /// <summary>
    /// The default cap for an open-file limit: half of what is left after a reserve of 512, at least 64, at most
    /// <see cref="DefaultMaxConnections"/>; that maximum when the limit is unknown (Windows has none per process).
    /// </summary>
    /// <param name="openFileLimit">The process's open-file limit, or null when unknown.</param>
    /// <returns>The cap.</returns>
    public static long DefaultFor(long? openFileLimit) =>
        openFileLimit is { } limit ? Math.Clamp((limit - Reserve) / 2, 64, DefaultMaxConnections) : DefaultMaxConnections;

    /// <summary>The soft RLIMIT_NOFILE on Linux and macOS (the runtime raises it to the hard one at start); null elsewhere or on failure.</summary>
    /// <returns>The limit, or null.</returns>
    public static long? OpenFileLimit()
    {
        var resource = OperatingSystem.IsLinux() ? 7 : OperatingSystem.IsMacOS() ? 8 : -1;
        if (resource < 0)
        {
            return null;
        }

        try
        {
            return GetRLimit(resource, out var limit) == 0 ? (long)Math.Min(limit.Current, long.MaxValue) : null;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [DllImport("libc", EntryPoint = "getrlimit")]
    private static extern int GetRLimit(int resource, out RLimit limit);
}
