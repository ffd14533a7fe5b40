using System.Globalization;

namespace Labeling.Server;

/// <summary>
/// The runtime's tiering delay (<c>TC_CallCountingDelayMs</c>), which only the environment can set: 100 ms by default,
/// restarted by every newly compiled method, so a fresh server under load waits longer before its hot path is optimized
/// (its first 20,000 votes went at 2,142 votes/s instead of 2,590 with the delay at 0; docs/benchmarks.md, "Twenty-third
/// session"). <c>dotnet run</c> sets it to 0 from Properties/launchSettings.json; a built copy started some other way says
/// so once at start, with what to set.
/// </summary>
public static partial class TieringDelay
{
    /// <summary>The environment variable the runtime reads first; <c>COMPlus_TC_CallCountingDelayMs</c> after it.</summary>
    public const string Variable = "DOTNET_TC_CallCountingDelayMs";

    private const string LegacyVariable = "COMPlus_TC_CallCountingDelayMs";

    /// <summary>
    /// The setting as the runtime reads it: the first of <see cref="Variable"/> and its <c>COMPlus_</c> twin that is set,
    /// or null for neither.
    /// </summary>
    /// <param name="environment">Reads an environment variable (null when unset).</param>
    /// <returns>The raw setting, or null.</returns>
    public static string? Setting(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return environment(Variable) is { Length: > 0 } value ? value : environment(LegacyVariable) is { Length: > 0 } legacy ? legacy : null;
    }

    /// <summary>
    /// Whether <paramref name="setting"/> puts the delay at 0. The runtime reads it as C's <c>wcstoul</c> in base 16 does:
    /// leading white space, an optional <c>0x</c>, then as many hexadecimal digits as there are (what follows them is
    /// ignored); a setting with no digit, or a number too large, leaves the default (100 ms).
    /// </summary>
    /// <param name="setting">The raw setting, or null when unset.</param>
    /// <returns>True when the delay is 0.</returns>
    public static bool IsZero(string? setting)
    {
        if (setting is null)
        {
            return false;
        }

        var rest = setting.AsSpan().TrimStart();
        if (rest.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && rest.Length > 2 && char.IsAsciiHexDigit(rest[2]))
        {
            rest = rest[2..];
        }

        var digits = 0;
        while (digits < rest.Length && char.IsAsciiHexDigit(rest[digits]))
        {
            digits++;
        }

        return digits > 0
            && uint.TryParse(rest[..digits], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value)
            && value == 0;
    }

    /// <summary>Logs once, at start, that the delay is not 0 and what to set; nothing when it is.</summary>
    /// <param name="logger">Where.</param>
    /// <param name="environment">Reads an environment variable (null when unset).</param>
    public static void Report(ILogger logger, Func<string, string?> environment)
    {
        var setting = Setting(environment);
        if (!IsZero(setting))
        {
            LogNotZero(logger, setting ?? "unset", Variable);
        }
    }

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "The runtime's tiering delay is not 0 ({Setting}): a fresh server runs slower under load until it has optimized its hot path. `dotnet run` sets it; for a built copy, start it with {Variable}=0 in its environment")]
    private static partial void LogNotZero(ILogger logger, string setting, string variable);
}
