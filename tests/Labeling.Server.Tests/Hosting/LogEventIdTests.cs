using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Labeling.Server.Tests.Hosting;

/// <summary>Each log event the local server can write has its own event id, so a log query on an id finds one kind of line.</summary>
public sealed class LogEventIdTests
{
    [Fact]
    public void LoggerMessages_OfEveryAssemblyTheServerRuns_HaveDistinctEventIds()
    {
        Assembly[] assemblies =
        [
            typeof(Program).Assembly,
            typeof(Labeling.Application.Truth.ReliabilityRefit).Assembly,
            typeof(Labeling.Adapters.Local.Inbox.InboxWatcher).Assembly,
        ];

        var messages = assemblies
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Method: $"{m.DeclaringType!.Name}.{m.Name}", Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Attribute is not null)
            .ToArray();

        Assert.True(messages.Length > 20, $"Only {messages.Length} logger messages found; the scan is not looking where the code is.");
        var shared = messages.GroupBy(m => m.Attribute!.EventId)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Method))}")
            .ToArray();
        Assert.Empty(shared);
    }
}
