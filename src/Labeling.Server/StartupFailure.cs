using Labeling.Adapters.Local.Hosting;
using Labeling.Adapters.Local.Sqlite;
using Microsoft.Extensions.Options;

namespace Labeling.Server;

/// <summary>
/// What stopped the server before its host started, as one line for the console: a setting that does not bind or
/// fails validation (named by its key or option), a data folder another server holds, a database that cannot be
/// written (locked by another program, read-only, damaged), or an address the web server cannot bind.
/// </summary>
internal static class StartupFailure
{
    public static string Describe(Exception exception) => exception switch
    {
        DataFolderInUseException inUse => inUse.Message,
        DataFolderUnavailableException folder => $"Labeling.Server did not start: {folder.Message}",
        DatabaseUnavailableException database => $"Labeling.Server did not start: {database.Message}",
        // Kestrel: "Failed to bind to address http://127.0.0.1:5080: address already in use."
        _ when IsBindFailure(exception) =>
            $"Labeling.Server did not start: {exception.Message} Stop what listens there, or give this server another address with --urls, e.g. --urls http://127.0.0.1:5081.",
        _ => $"Labeling.Server did not start: {Detail(exception)}",
    };

    /// <summary>Whether the web server failed to bind its address (the port taken, or one the user may not open).</summary>
    public static bool IsBindFailure(Exception exception) =>
        exception is IOException { InnerException: Microsoft.AspNetCore.Connections.AddressInUseException or System.Net.Sockets.SocketException };

    private static string Detail(Exception exception) => exception switch
    {
        AggregateException many => string.Join(" ", many.InnerExceptions.Select(Detail)),
        OptionsValidationException invalid => string.Join(" ", invalid.Failures),
        // The configuration binder: "Failed to convert configuration value at 'Labeling:LeaseDuration' to type
        // 'System.TimeSpan'." with the parser's reason inside.
        { InnerException: { } inner } => $"{exception.Message} {inner.Message}",
        _ => exception.Message,
    };
}
