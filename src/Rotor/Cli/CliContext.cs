using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Rotor.Scheduling;
using Rotor.Telemetry;
using Spectre.Console;

namespace Rotor.Cli;

/// <summary>What every command shares: output writers, time, the --data and -o options.</summary>
public sealed class CliContext(TextWriter output, TextWriter error, TimeProvider time)
{
    public TextWriter Output { get; } = output;
    public TextWriter Error { get; } = error;
    public TimeProvider Time { get; } = time;

    /// <summary>Options for <c>rotor run</c>/<c>reconcile</c>; tests and fault injection set them.</summary>
    public ReconcilerOptions? ReconcilerOptions { get; init; }

    /// <summary>The reconciler's parallelism for <c>rotor run</c>/<c>reconcile</c> (added to those two commands only).</summary>
    public Option<int?> Parallelism { get; } = new("--parallelism")
    {
        Description = $"Certificates worked on at the same time (1 to {MaxParallelism}; default 4). 1 issues one after another, e.g. for a CA with tight rate limits",
    };

    public const int MaxParallelism = 64;

    public Option<string?> Data { get; } = new("--data")
    {
        Description = "Data folder (store, keys, local CA). Default: $ROTOR_DATA, else ./rotor-data",
        Recursive = true,
    };

    // The URL may hold a password: it is never echoed (not in --help, errors or logs); messages name the host and database only.
    public Option<string?> Store { get; } = new("--store")
    {
        Description = "The store: a postgres://user:password@host:port/database URL, for several Rotor instances sharing one PostgreSQL " +
            "(--data still holds the master key, keys, CA and deploy state). Default: $ROTOR_STORE, else rotor.db in the data folder",
        Recursive = true,
    };

    public Option<string> OutputFormat { get; } = new("--output", "-o")
    {
        Description = "Output format: table or json",
        DefaultValueFactory = _ => "table",
        Recursive = true,
    };

    public Option<string> LogFormat { get; } = new("--log-format")
    {
        Description = "Log format on stderr: text or json",
        DefaultValueFactory = _ => "text",
        Recursive = true,
    };

    public Option<string?> Server { get; } = new("--server")
    {
        Description = "Talk to a running rotor's operator API at this URL (get, describe, renew, rotate, rollback, events) instead of a local data folder. " +
            "The token comes from --token-file or $ROTOR_TOKEN",
        Recursive = true,
    };

    public Option<string?> TokenFile { get; } = new("--token-file")
    {
        Description = "File holding the API token for --server (default: $ROTOR_TOKEN)",
        Recursive = true,
    };

    public Option<string?> ServerCa { get; } = new("--server-ca")
    {
        Description = "PEM root(s) the --server's HTTPS certificate must chain to (e.g. the remote Rotor's ca/root.pem); default: the system's roots",
        Recursive = true,
    };

    /// <summary>The remote API client when --server is given (null otherwise); the failure exit code when it cannot be made.</summary>
    internal async Task<(RemoteApi? Api, int? Failed)> RemoteAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        if (parse.GetValue(Server) is not { } server) return (null, null);
        var (api, error) = await RemoteApi.CreateAsync(server, parse.GetValue(TokenFile), parse.GetValue(ServerCa), Environment, cancellationToken);
        return api is null ? (null, Fail(ExitCodes.InvalidInput, error!)) : (api, null);
    }

    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Log debug messages too",
        Recursive = true,
    };

    /// <summary>Reads an environment variable (COLUMNS); tests give their own.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>True when <see cref="Output"/> is the process's standard output and that is a terminal.</summary>
    public bool OutputIsTerminal { get; init; }

    /// <summary>The width tables are wrapped at when output is not a terminal and COLUMNS is not set: in effect, never.</summary>
    public const int UnwrappedWidth = 1 << 16;

    /// <summary>
    /// How wide tables may be: COLUMNS when it is set to a positive number; else the terminal's
    /// width when output is a terminal; else <see cref="UnwrappedWidth"/>, so that piped or
    /// redirected output keeps every row on one line for grep, awk and cut.
    /// </summary>
    public int Width
    {
        get
        {
            if (int.TryParse(Environment("COLUMNS"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var columns)
                && columns is > 0 and <= UnwrappedWidth)
            {
                return columns;
            }
            return OutputIsTerminal && TerminalWidth() is > 0 and var width ? width : UnwrappedWidth;
        }
    }

    private static int TerminalWidth()
    {
        try
        {
            return System.Console.WindowWidth;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public IAnsiConsole Console
    {
        get
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(Output),
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
            });
            console.Profile.Width = Width;
            return console;
        }
    }

    public bool WantsJson(ParseResult parse) => string.Equals(parse.GetValue(OutputFormat), "json", StringComparison.OrdinalIgnoreCase);

    /// <summary>Writes <paramref name="value"/> as indented JSON with its build-time metadata (<see cref="CliJsonContext"/>).</summary>
    public void WriteJson<T>(T value, JsonTypeInfo<T> type) => Output.WriteLine(JsonSerializer.Serialize(value, type));

    /// <summary>
    /// The CLI's loggers: one provider writing to standard error, "Microsoft.*" from Warning up. Built
    /// without LoggerFactory.Create, whose dependency-injection container costs a short-lived process
    /// (every CLI command, every cron `rotor reconcile`) about a tenth of its run time.
    /// </summary>
    public ILoggerFactory CreateLoggers(ParseResult parse)
    {
        var minimum = parse.GetValue(Verbose) ? LogLevel.Debug : LogLevel.Information;
        var provider = new TextWriterLoggerProvider(Error, Time, minimum,
            string.Equals(parse.GetValue(LogFormat), "json", StringComparison.OrdinalIgnoreCase));
        var filters = new LoggerFilterOptions { MinLevel = minimum };
        filters.Rules.Add(new LoggerFilterRule(null, "Microsoft", LogLevel.Warning, null));
        return new LoggerFactory([provider], filters);
    }

    /// <summary>The data folder this command uses (--data, else $ROTOR_DATA, else ./rotor-data).</summary>
    public string DataDirectory(ParseResult parse) => RotorHost.ResolveDataDirectory(parse.GetValue(Data));

    /// <summary>
    /// The PostgreSQL store chosen by --store, else $ROTOR_STORE (null: the data folder's SQLite store).
    /// A value that is not a postgres:// URL is refused naming the option and the rule, never quoting it.
    /// </summary>
    public Storage.Postgres.PostgresLocation? StoreLocation(ParseResult parse)
    {
        var (value, field) = parse.GetValue(Store) is { } option ? (option, "--store") : (Environment(RotorHost.StoreEnvironmentVariable), RotorHost.StoreEnvironmentVariable);
        return string.IsNullOrEmpty(value) ? null : Storage.Postgres.PostgresLocation.Parse(value, field);
    }

    /// <summary>Opens the data folder; <paramref name="use"/> Read never creates or initialises one.</summary>
    public async Task<RotorHost> OpenHostAsync(ParseResult parse, ILoggerFactory loggers, CancellationToken cancellationToken,
        Storage.DataFolderUse use = Storage.DataFolderUse.CreateIfNew, string? rootName = null)
    {
        var options = parse.GetValue(Parallelism) is int parallelism
            ? (ReconcilerOptions ?? new ReconcilerOptions()) with { Parallelism = parallelism }
            : ReconcilerOptions;
        return await RotorHost.OpenAsync(DataDirectory(parse), Time, loggers, options, cancellationToken, use, rootName, StoreLocation(parse));
    }

    /// <summary>The error for a --parallelism outside 1..<see cref="MaxParallelism"/>, or null.</summary>
    public string? CheckParallelism(ParseResult parse) =>
        parse.GetValue(Parallelism) is int p && (p < 1 || p > MaxParallelism)
            ? $"--parallelism: {p} is not between 1 and {MaxParallelism}"
            : null;

    public int Fail(int code, string message)
    {
        Error.WriteLine("error: " + message);
        return code;
    }
}
