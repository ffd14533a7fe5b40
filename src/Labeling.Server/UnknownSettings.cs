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

    /// <summary>The settings of the server's sections that no option reads, with the keys each section takes.</summary>
    /// <param name="configuration">The server's configuration.</param>
    /// <returns>Unknown keys (full path) and the section's known keys.</returns>
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
                    unknown.Add(($"{section}:{child.Key}", string.Join(", ", known.Order(StringComparer.Ordinal))));
                }
            }
        }

        return unknown;
    }

    /// <summary>Logs each unknown setting as a warning.</summary>
    /// <param name="configuration">The server's configuration.</param>
    /// <param name="logger">Where.</param>
    public static void Report(IConfiguration configuration, ILogger logger)
    {
        foreach (var (key, known) in Find(configuration))
        {
            LogUnknown(logger, key, known);
        }
    }

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "The setting {Key} is not one the server reads and is ignored; check its spelling. Its section takes: {Known}")]
    private static partial void LogUnknown(ILogger logger, string key, string known);
}
