using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Labeling.Server;

/// <summary>
/// The console's log format (ASP.NET Core's <c>simple</c> one, which this hands each entry to) with what a caller can put
/// in a line made printable: control characters but the line break (an escape sequence that would clear or recolour the
/// terminal, a carriage return that would overwrite the line) and format characters (a right-to-left override) are written
/// as <c>\uXXXX</c>. Kestrel's bad-request lines quote the refused bytes (a Host header, a request line), and every
/// logged value may hold what a caller sent.
/// </summary>
/// <remarks>
/// Kestrel's bad-request lines (<c>Microsoft.AspNetCore.Server.Kestrel.BadRequests</c>, at Debug, which the server's
/// appsettings turn on) are written without their exception: its message is the line's own reason again, and its stack
/// trace, the same each time, made a 30-byte malformed request about 1.4 KB of log. A line break needs no escaping: the
/// simple format indents every line after an entry's first, so a logged value cannot start a line that reads as an entry.
/// The host's failed start on an address the web server cannot bind is written without its stack trace too: the server
/// follows it with one line that names the address and what to do.
/// </remarks>
public sealed class PrintableConsoleFormatter : ConsoleFormatter
{
    /// <summary>The formatter's name (<c>Logging:Console:FormatterName</c>).</summary>
    public const string FormatterName = "labeling";

    private const string BadRequestsCategory = "Microsoft.AspNetCore.Server.Kestrel.BadRequests";
    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    private readonly IServiceProvider _services;
    private ConsoleFormatter? _simple;

    /// <summary>Creates the formatter over the app's own <c>simple</c> formatter, which it looks up on first use.</summary>
    /// <param name="services">The app's services.</param>
    public PrintableConsoleFormatter(IServiceProvider services)
        : base(FormatterName) => _services = services;

    /// <inheritdoc />
    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        var exception = logEntry.Exception is null || WithoutException(logEntry.Category, logEntry.Exception) ? null : new PrintableException(logEntry.Exception);
        var printable = new LogEntry<string>(logEntry.LogLevel, logEntry.Category, logEntry.EventId, Printable(message ?? string.Empty), exception, static (state, _) => state);
        Simple.Write(in printable, scopeProvider, textWriter);
    }

    /// <summary>The text with control characters but <c>\n</c> and <c>\t</c>, and format characters, written as <c>\uXXXX</c>.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The printable text (the same instance when nothing needed escaping).</returns>
    public static string Printable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.Any(NeedsEscape))
        {
            return text;
        }

        var printable = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (NeedsEscape(c))
            {
                printable.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                printable.Append(c);
            }
        }

        return printable.ToString();
    }

    private static bool NeedsEscape(char c) =>
        (char.IsControl(c) && c is not '\n' and not '\t')
        || char.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    // Kestrel's bad-request lines; and the host's "Hosting failed to start" for an address the web server cannot bind,
    // which the server follows with one line saying what to do (StartupFailure) - its 30-line stack trace said nothing more.
    private static bool WithoutException(string category, Exception exception) =>
        category == BadRequestsCategory || (category == HostCategory && StartupFailure.IsBindFailure(exception));

    private ConsoleFormatter Simple => _simple ??= _services.GetServices<ConsoleFormatter>().First(f => f.Name == ConsoleFormatterNames.Simple);

    // What the simple format writes of an exception is its ToString(): the same, printable (a stack trace's own
    // "\r\n" on Windows kept as a line break).
    private sealed class PrintableException(Exception inner) : Exception(inner.Message, inner)
    {
        public override string ToString() => Printable(InnerException!.ToString().Replace("\r\n", "\n", StringComparison.Ordinal));
    }
}
