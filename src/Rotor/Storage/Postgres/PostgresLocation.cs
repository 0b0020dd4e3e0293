using System.Net.Sockets;
using Npgsql;
using Rotor.Core.Abstractions;

namespace Rotor.Storage.Postgres;

/// <summary>
/// Where a PostgreSQL store is: parsed from a <c>postgres://user:password@host:port/database</c>
/// URL (<c>--store</c> or <c>ROTOR_STORE</c>) into an Npgsql connection string. The password is
/// only in <see cref="ConnectionString"/>, which is handed to Npgsql and nowhere else; messages
/// use <see cref="Description"/>, which names the user, host, port and database only.
/// </summary>
public sealed class PostgresLocation
{
    public const int DefaultPort = 5432;

    private PostgresLocation(string connectionString, string description, string host, int port, string database)
    {
        ConnectionString = connectionString;
        Description = description;
        Host = host;
        Port = port;
        Database = database;
    }

    /// <summary>Holds the password: give it to Npgsql only, never to a message or a log.</summary>
    internal string ConnectionString { get; }

    /// <summary><c>postgres://user@host:port/database</c>: without the password.</summary>
    public string Description { get; }

    public string Host { get; }
    public int Port { get; }
    public string Database { get; }

    public override string ToString() => Description;

    /// <summary>True when <paramref name="value"/> names a PostgreSQL store (a postgres:// or postgresql:// URL).</summary>
    public static bool IsPostgresUrl(string value) =>
        value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Parses <paramref name="url"/>; a bad one is refused naming <paramref name="field"/> and the rule
    /// broken, never quoting the URL (it may hold the password).
    /// </summary>
    public static PostgresLocation Parse(string url, string field)
    {
        const string Shape = "postgres://user:password@host:port/database";
        if (!IsPostgresUrl(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw Invalid(field, $"must be a URL of the form {Shape}");
        }
        if (string.IsNullOrEmpty(uri.Host)) throw Invalid(field, $"names no host ({Shape})");
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length == 0 || database.Contains('/', StringComparison.Ordinal)) throw Invalid(field, $"must name one database after the host ({Shape})");
        if (uri.Query.Length > 0 || uri.Fragment.Length > 0) throw Invalid(field, $"takes no query or fragment ({Shape})");
        var userInfo = uri.UserInfo;
        var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
        var user = Uri.UnescapeDataString(colon < 0 ? userInfo : userInfo[..colon]);
        var password = colon < 0 ? null : Uri.UnescapeDataString(userInfo[(colon + 1)..]);
        if (user.Length == 0) throw Invalid(field, $"names no user ({Shape})");
        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host;
        var port = uri.IsDefaultPort || uri.Port < 0 ? DefaultPort : uri.Port;
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = host,
            Port = port,
            Username = user,
            Database = database,
            // The URL's password stays out of the connection string's own error texts.
            IncludeErrorDetail = false,
            LogParameters = false,
            ApplicationName = "rotor",
        };
        if (password is not null) builder.Password = password;
        var description = $"postgres://{Uri.EscapeDataString(user)}@{(uri.HostNameType == UriHostNameType.IPv6 ? "[" + host + "]" : host)}:{port}/{Uri.EscapeDataString(database)}";
        return new PostgresLocation(builder.ConnectionString, description, host, port, database);
    }

    /// <summary>The store could not be reached or opened: named by host, port and database only.</summary>
    internal RotorException Unreachable(Exception e)
    {
        // Npgsql's own messages name the host and the user, never the password; the SQLSTATE says
        // which (28P01 wrong password, 3D000 no such database, ...). Checked for the password anyway.
        var detail = e switch
        {
            PostgresException pg => $"{pg.SqlState}: {pg.MessageText}",
            NpgsqlException { InnerException: SocketException s } => s.Message,
            NpgsqlException { InnerException: TimeoutException } or TimeoutException => "timed out",
            _ => e.Message,
        };
        var password = new NpgsqlConnectionStringBuilder(ConnectionString).Password;
        if (!string.IsNullOrEmpty(password) && detail.Contains(password, StringComparison.Ordinal)) detail = "the server refused the connection";
        return new RotorException($"cannot open the PostgreSQL store {Host}:{Port}/{Database}: {detail}", isTransient: true)
        {
            Reason = RotorReasons.StoreUnreachable,
        };
    }

    private static RotorException Invalid(string field, string rule) =>
        new($"{field}: {rule}", isTransient: false) { Reason = RotorReasons.InvalidInput };
}
