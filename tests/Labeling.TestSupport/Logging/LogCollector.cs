using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Labeling.TestSupport.Logging;

/// <summary>A logger provider that keeps every record it is given, for tests that assert on logs.</summary>
public sealed class LogCollector : ILoggerProvider
{
    private readonly ConcurrentQueue<LogRecord> _records = new();

    /// <summary>Every record so far, in the order written.</summary>
    public IReadOnlyList<LogRecord> Records => [.. _records];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _records);

    public void Dispose()
    {
    }

    /// <summary>One log record, with the exception logged with it (what a sink writes as the stack trace), if any.</summary>
    public sealed record LogRecord(string Category, LogLevel Level, EventId EventId, string Message, IReadOnlyDictionary<string, object?> State, Exception? Exception = null);

    private sealed class Logger(string category, ConcurrentQueue<LogRecord> records) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal)
                : new Dictionary<string, object?>(StringComparer.Ordinal);
            records.Enqueue(new LogRecord(category, logLevel, eventId, formatter(state, exception), values, exception));
        }
    }
}
