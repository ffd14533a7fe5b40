using System.Reflection;
using Labeling.Adapters.Local;
using Labeling.Adapters.Local.Auth;
using Labeling.Adapters.Local.Events;
using Labeling.Adapters.Local.Work;
using Labeling.Application;
using Labeling.Application.Events;
using Labeling.Application.Ingestion;
using Labeling.Application.Projects;
using Labeling.Application.Truth;

namespace Labeling.Server;

/// <summary>
/// Settings in the server's own sections that no option reads: a misspelled key (<c>--Labeling:LeaseDuraton=…</c>) was
/// ignored without a word, so the server ran on the default the user meant to change. Each is logged at start (event
/// 1004) with the keys its section takes.
/// </summary>
internal static partial class UnknownSettings
{
    /// <summary>The server's own sections and the options classes each binds (AppSettingsDefaultsTests reads them too).</summary>
    internal static readonly (string Section, Type[] Options)[] Sections =
    [
        (LabelingOptions.SectionName, [typeof(LabelingOptions)]),
        (IngestionOptions.SectionName, [typeof(IngestionOptions)]),
        (EventDeliveryOptions.SectionName, [typeof(EventDeliveryOptions), typeof(LocalEventSinkOptions)]),
        (LocalStorageOptions.SectionName, [typeof(LocalStorageOptions)]),
        (WorkQueueOptions.SectionName, [typeof(WorkQueueOptions)]),
        (LocalAuthOptions.SectionName, [typeof(LocalAuthOptions)]),
        (ReliabilityRefitOptions.SectionName, [typeof(ReliabilityRefitOptions)]),
        (RetentionOptions.SectionName, [typeof(RetentionOptions)]),
        (ProjectDeletionOptions.SectionName, [typeof(ProjectDeletionOptions)]),
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
            Check(configuration.GetSection(section), options, unknown);
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

    // What configuration binding sets: a property with a public setter (init included), or one whose object or list it
    // fills in place. A computed value (Storage:FullDataDirectory, from DataDirectory) is not a setting: set, it is ignored.
    private static bool Bindable(PropertyInfo property) =>
        property.SetMethod?.IsPublic == true
        || (property.GetMethod?.IsPublic == true && property.PropertyType != typeof(string) && !property.PropertyType.IsValueType);

    // The keys of one section against the properties of the options bound to it, and the keys of a nested object or of each
    // element of a list of objects (Events:Webhooks:0:Timout) against that object's properties.
    private static void Check(IConfigurationSection section, Type[] options, List<(string, string)> unknown)
    {
        var properties = options
            .SelectMany(o => o.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            .Where(Bindable)
            .GroupBy(p => p.Name, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First().PropertyType, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            if (!properties.TryGetValue(child.Key, out var type))
            {
                unknown.Add((child.Path, $"{section.Path} takes {string.Join(", ", properties.Keys.Order(StringComparer.Ordinal))}"));
            }
            else if (ElementOf(type) is { } element)
            {
                foreach (var item in child.GetChildren())
                {
                    Check(item, [element], unknown);
                }
            }
            else if (IsObject(type))
            {
                Check(child, [type], unknown);
            }
        }
    }

    // Options classes (not strings, URIs or values a single setting holds) are checked key by key.
    private static bool IsObject(Type type) =>
        type.IsClass && type != typeof(string) && type != typeof(Uri) && !typeof(System.Collections.IEnumerable).IsAssignableFrom(type);

    private static Type? ElementOf(Type type)
    {
        var list = type.IsGenericType && type.GetGenericTypeDefinition() is var d
            && (d == typeof(IList<>) || d == typeof(List<>) || d == typeof(IReadOnlyList<>) || d == typeof(IEnumerable<>) || d == typeof(ICollection<>))
            ? type.GetGenericArguments()[0]
            : type.IsArray ? type.GetElementType() : null;
        return list is not null && IsObject(list) ? list : null;
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
