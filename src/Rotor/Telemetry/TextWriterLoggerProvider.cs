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
            line = JsonLine(at, level, id, category, message, exception);
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

    /// <summary>One log record as a JSON object (time, level, eventId, event, category, message, exception).</summary>
    private static string JsonLine(DateTimeOffset at, LogLevel level, EventId id, string category, string message, Exception? exception)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("time", at.ToString("o", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("level", level.ToString());
            w.WriteNumber("eventId", id.Id);
            w.WriteString("event", id.Name);
            w.WriteString("category", category);
            w.WriteString("message", message);
            w.WriteString("exception", exception is null ? null : $"{exception.GetType().Name}: {exception.Message}");
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
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
