using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Rotor.Telemetry;

/// <summary>
/// Structured log lines to a writer (stderr by default): text with the event id, or one JSON
/// object per line. Writes are serialised so lines never interleave.
/// </summary>
public sealed class TextWriterLoggerProvider(TextWriter writer, TimeProvider time, LogLevel minimum, bool json) : ILoggerProvider
{
    private readonly Lock _lock = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Write(string category, LogLevel level, EventId id, string message, Exception? exception)
    {
        string line;
        var at = time.GetUtcNow();
        if (json)
        {
            line = JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["time"] = at.ToString("o", System.Globalization.CultureInfo.InvariantCulture),
                ["level"] = level.ToString(),
                ["eventId"] = id.Id,
                ["event"] = id.Name,
                ["category"] = category,
                ["message"] = message,
                ["exception"] = exception is null ? null : $"{exception.GetType().Name}: {exception.Message}",
            });
        }
        else
        {
            line = $"{at:yyyy-MM-ddTHH:mm:ss.fffZ} {Short(level)} [{id.Id}] {category}: {message}" +
                   (exception is null ? "" : level >= LogLevel.Error ? Environment.NewLine + exception : $" ({exception.GetType().Name}: {exception.Message})");
        }
        lock (_lock)
        {
            writer.WriteLine(line);
            writer.Flush();
        }
    }

    private static string Short(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        _ => "crit",
    };

    private sealed class Logger(TextWriterLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= provider._minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            provider.Write(category, logLevel, eventId, formatter(state, exception), exception);
        }
    }

    private readonly LogLevel _minimum = minimum;
}
