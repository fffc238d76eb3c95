using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Serverless.LocalHost.Tests.Samples;

/// <summary>A logger provider that keeps what reached it (after the host's filters), to assert which lines are written.</summary>
public sealed class LogProbe : ILoggerProvider
{
    private readonly ConcurrentQueue<LogRecord> _records = new();

    public IReadOnlyCollection<LogRecord> Records => _records;

    public ILogger CreateLogger(string categoryName) => new ProbeLogger(categoryName, _records);

    public void Dispose()
    {
    }

    private sealed class ProbeLogger(string category, ConcurrentQueue<LogRecord> records) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            records.Enqueue(new LogRecord(category, logLevel, formatter(state, exception)));
    }
}

public sealed record LogRecord(string Category, LogLevel Level, string Message);
