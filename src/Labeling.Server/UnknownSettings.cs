using System.Reflection;
using Labeling.Adapters.Local;
using Labeling.Adapters.Local.Auth;
using Labeling.Adapters.Local.Events;
using Labeling.Adapters.Local.Work;
using Labeling.Application;
using Labeling.Application.Events;
using Labeling.Application.Ingestion;
using Labeling.Application.Truth;

namespace Labeling.Server;

/// <summary>
/// Settings in the server's own sections that no option reads: a misspelled key (<c>--Labeling:LeaseDuraton=…</c>) was
/// ignored without a word, so the server ran on the default the user meant to change. Each is logged at start (event
/// 1004) with the keys its section takes.
/// </summary>
internal static partial class UnknownSettings
{
    private static readonly (string Section, Type[] Options)[] Sections =
    [
        (LabelingOptions.SectionName, [typeof(LabelingOptions)]),
        (IngestionOptions.SectionName, [typeof(IngestionOptions)]),
        (EventDeliveryOptions.SectionName, [typeof(EventDeliveryOptions), typeof(LocalEventSinkOptions)]),
        (LocalStorageOptions.SectionName, [typeof(LocalStorageOptions)]),
        (WorkQueueOptions.SectionName, [typeof(WorkQueueOptions)]),
        (LocalAuthOptions.SectionName, [typeof(LocalAuthOptions)]),
        (ReliabilityRefitOptions.SectionName, [typeof(ReliabilityRefitOptions)]),
    ];

    // Other top-level sections the server or ASP.NET Core reads; a section a letter or two away from one of these or of the
    // option sections above is taken for a misspelling of it (environment variables are top-level keys too, so other
    // unknown top-level keys are not reported).
    private static readonly string[] OtherSections = ["Logging", "AllowedHosts", "Urls", "Kestrel", "AzureAd"];

    /// <summary>The settings of the server's sections that no option reads, with the keys each section takes.</summary>
    /// <param name="configuration">The server's configuration.</param>
    /// <returns>Unknown keys (full path) and a hint: the keys their section takes, or the section meant.</returns>
    public static IReadOnlyList<(string Key, string Known)> Find(IConfiguration configuration)
    {
        var unknown = new List<(string, string)>();
        foreach (var (section, options) in Sections)
        {
            var known = options
                .SelectMany(o => o.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                .Select(p => p.Name)
                .ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var child in configuration.GetSection(section).GetChildren())
            {
                if (!known.Contains(child.Key))
                {
                    unknown.Add(($"{section}:{child.Key}", $"{section} takes {string.Join(", ", known.Order(StringComparer.Ordinal))}"));
                }
            }
        }

        var sections = Sections.Select(s => s.Section).Concat(OtherSections).ToArray();
        foreach (var child in configuration.GetChildren())
        {
            if (sections.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            var near = sections.FirstOrDefault(s => Distance(s.ToUpperInvariant(), child.Key.ToUpperInvariant()) is > 0 and <= 2);
            if (near is not null)
            {
                unknown.Add((child.Key, $"did you mean {near}?"));
            }
        }

        return unknown;
    }

    // Levenshtein distance, for names of a few letters.
    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }

    /// <summary>Logs each unknown setting as a warning.</summary>
    /// <param name="configuration">The server's configuration.</param>
    /// <param name="logger">Where.</param>
    public static void Report(IConfiguration configuration, ILogger logger)
    {
        foreach (var (key, hint) in Find(configuration))
        {
            LogUnknown(logger, key, hint);
        }
    }

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "The setting {Key} is not one the server reads and is ignored; check its spelling: {Hint}")]
    private static partial void LogUnknown(ILogger logger, string key, string hint);
}
