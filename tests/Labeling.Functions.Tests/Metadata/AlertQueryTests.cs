using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace Labeling.Functions.Tests.Metadata;

/// <summary>
/// The log search alerts of infra/app/alerts.bicep match the app's log lines by the fixed text of their
/// <see cref="LoggerMessageAttribute"/> templates. A template reworded without its query would leave the alert silent
/// (the rules skip query validation, so a deployment would not notice either): every query must still find its template.
/// </summary>
public sealed class AlertQueryTests
{
    [Fact]
    public void LogAlerts_EveryMessageFilter_MatchesALoggerMessageTemplateOfTheApp()
    {
        var bicep = File.ReadAllText(Path.Combine(RepositoryRoot(), "infra", "app", "alerts.bicep"));
        var templates = new[] { typeof(Application.LabelingOptions).Assembly, typeof(WeakLabeling.WeakLabelFunction).Assembly }
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => m.GetCustomAttribute<LoggerMessageAttribute>())
            .OfType<LoggerMessageAttribute>()
            .ToArray();
        Assert.NotEmpty(templates);

        var queries = Regex.Matches(bicep, @"query: '([^']*)'").Select(m => m.Groups[1].Value).ToArray();
        var filtered = 0;
        foreach (var query in queries)
        {
            var filters = Regex.Matches(query, @"Message (startswith|contains) ""([^""]+)""").Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToArray();
            if (filters.Length == 0) continue;
            filtered++;
            var matching = templates.Where(t => filters.All(f => f.Item1 == "startswith"
                ? t.Message.StartsWith(f.Item2, StringComparison.Ordinal)
                : t.Message.Contains(f.Item2, StringComparison.Ordinal))).ToArray();
            // Exactly one: a filter that also caught another log line would count that line's records too.
            Assert.True(matching.Length == 1, $"'{query}' matches {matching.Length} LoggerMessage templates: {string.Join(" | ", matching.Select(t => $"{t.EventId}: {t.Message}"))}");
        }

        // The five log rules on the app's own lines (9001, 9202, 9301, 5002, 2002) were all read.
        Assert.Equal(5, filtered);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "infra", "app", "alerts.bicep"))) return dir.FullName;
        }

        throw new InvalidOperationException($"No infra/app/alerts.bicep above {AppContext.BaseDirectory}.");
    }
}
