using System.Reflection;
using System.Text.RegularExpressions;
using Labeling.TestSupport;
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
        var templates = LoggerMessages();
        Assert.NotEmpty(templates);

        var filtered = 0;
        foreach (var (query, filters) in MessageFilters())
        {
            filtered++;
            var matching = templates.Where(t => Matches(t.Template.Message, filters, StringComparison.Ordinal)).Select(t => t.Template).ToArray();
            // Exactly one: a filter that also caught another log line would count that line's records too.
            Assert.True(matching.Length == 1, $"'{query}' matches {matching.Length} LoggerMessage templates: {string.Join(" | ", matching.Select(t => $"{t.EventId}: {t.Message}"))}");
        }

        // The five log rules on the app's own lines (9001, 9202, 9301, 5002, 2002) were all read.
        Assert.Equal(5, filtered);
    }

    [Fact]
    public void LoggerMessages_OfEveryAssemblyTheAppRuns_HaveDistinctEventIds()
    {
        // The local server's test checks its own assemblies; the Functions app also logs from the Azure adapters and the
        // orchestration, where an id shared with another line would make an alert on that id count both.
        var shared = LoggerMessages().GroupBy(m => m.Template.EventId)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => $"{m.Method.DeclaringType!.Name}.{m.Method.Name}"))}")
            .ToArray();

        Assert.True(LoggerMessages().Count > 40, $"Only {LoggerMessages().Count} logger messages found; the scan is not looking where the code is.");
        Assert.Empty(shared);
    }

    /// <summary>Every <see cref="LoggerMessageAttribute"/> method of the app (every assembly of its own it runs).</summary>
    internal static IReadOnlyList<(MethodInfo Method, LoggerMessageAttribute Template)> LoggerMessages() =>
        new[]
        {
            typeof(Domain.Projects.Project).Assembly, typeof(Application.LabelingOptions).Assembly, typeof(Labeling.Functions.WeakLabeling.WeakLabelFunction).Assembly,
            typeof(Adapters.Azure.Cosmos.CosmosItemStore).Assembly, typeof(Orchestration.Crowd.CollectVotesOrchestration).Assembly,
        }
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Template: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Template is not null)
            .Select(m => (m.Method, m.Template!))
            .ToArray();

    /// <summary>The log rules of alerts.bicep that filter on the message: each query with its <c>startswith</c> / <c>contains</c> filters.</summary>
    internal static IReadOnlyList<(string Query, (string Operator, string Text)[] Filters)> MessageFilters()
    {
        var bicep = File.ReadAllText(Path.Combine(RepositoryFiles.Root(), "infra", "app", "alerts.bicep"));
        return Regex.Matches(bicep, @"query: '([^']*)'")
            .Select(m => m.Groups[1].Value)
            .Select(query => (query, Regex.Matches(query, @"Message (startswith|contains) ""([^""]+)""").Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToArray()))
            .Where(q => q.Item2.Length > 0)
            .ToArray();
    }

    /// <summary>Whether a message passes every filter (KQL's <c>startswith</c> and <c>contains</c> ignore case; templates are compared exactly).</summary>
    internal static bool Matches(string message, (string Operator, string Text)[] filters, StringComparison comparison) =>
        filters.All(f => f.Operator == "startswith" ? message.StartsWith(f.Text, comparison) : message.Contains(f.Text, comparison));

}
