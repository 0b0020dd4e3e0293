using System.Data.Common;
using Microsoft.Extensions.Logging;
using Rotor.Cmp;

namespace Rotor.Issuers;

/// <summary>
/// The server group's position in the store (issuer-level state, no certificate lease): read
/// before each transaction, so a process starts where the last one left the group (a cron
/// <c>rotor reconcile</c> does not start at server 1 again after it timed out there), and
/// written once after a transaction that moved it.
/// </summary>
public sealed partial class CmpIssuer
{
    // Guards the read-and-follow of the stored position against the write of a move, and the two fields below.
    private readonly SemaphoreSlim _positionLock = new(1, 1);

    // The stored position this process last read or wrote; another value in the store is a move made elsewhere.
    private string? _positionSeen;

    // The group's moves (CmpServerMove.Sequence) already written.
    private long _movesSaved;

    /// <summary>The current server, as a reader of the store sees it (for <c>rotor describe issuer</c>).</summary>
    public static async Task<CmpServerPosition?> ReadPositionAsync(Core.Abstractions.IStore store, string issuer, CancellationToken cancellationToken) =>
        CmpServerPosition.TryRead((await store.GetIssuerRuntimeAsync(issuer, cancellationToken))?.StateJson);

    /// <summary>Before a transaction: follow a move another process stored since this one last looked.</summary>
    private async Task FollowStoredPositionAsync(CancellationToken cancellationToken)
    {
        await _positionLock.WaitAsync(cancellationToken);
        try
        {
            var stored = (await _store.GetIssuerRuntimeAsync(_name, cancellationToken))?.StateJson;
            if (stored is null || stored == _positionSeen) return;
            _positionSeen = stored;
            if (CmpServerPosition.TryRead(stored) is not { } position || !Uri.TryCreate(position.Server, UriKind.Absolute, out var server)) return;
            if (_client.Servers.Resume(server))
            {
                LogPositionResumed(_logger, _name, server, position.DescribeMove());
            }
            else
            {
                // The list changed since: the group starts at its first server.
                LogPositionStale(_logger, _name, position.Server);
            }
        }
        finally
        {
            _positionLock.Release();
        }
    }

    /// <summary>After a transaction: if the group moved, one small write of where it stands now.</summary>
    private async Task SaveMovedPositionAsync()
    {
        if (_client.Servers.LastMove is not { } probe || probe.Sequence <= Volatile.Read(ref _movesSaved)) return;
        await _positionLock.WaitAsync(CancellationToken.None);
        try
        {
            if (_client.Servers.LastMove is not { } move || move.Sequence <= _movesSaved) return;
            var now = _time.GetUtcNow();
            var position = new CmpServerPosition
            {
                Server = move.To.ToString(),
                MovedFrom = move.From.ToString(),
                Reason = move.Reason,
                MovedAt = now,
            }.Serialize();
            await _store.SaveIssuerRuntimeAsync(_name, position, now, CancellationToken.None);
            _positionSeen = position;
            Volatile.Write(ref _movesSaved, move.Sequence);
            LogPositionSaved(_logger, _name, move.From, move.To, move.Reason);
        }
        catch (DbException e)
        {
            // The certificate's outcome matters more than the position: the next move writes it again.
            LogPositionNotSaved(_logger, _name, e.Message);
        }
        finally
        {
            _positionLock.Release();
        }
    }

    [LoggerMessage(Telemetry.RotorEventIds.CmpPositionSaved, LogLevel.Warning, "CMP issuer {Issuer}: new transactions go to {Next} from now on, also in later runs ({From} failed: {Reason})")]
    private static partial void LogPositionSaved(ILogger logger, string issuer, Uri from, Uri next, string reason);

    [LoggerMessage(Telemetry.RotorEventIds.CmpPositionResumed, LogLevel.Information, "CMP issuer {Issuer}: continuing on {Server}, where an earlier run left the server group ({Move})")]
    private static partial void LogPositionResumed(ILogger logger, string issuer, Uri server, string move);

    [LoggerMessage(Telemetry.RotorEventIds.CmpPositionStale, LogLevel.Information, "CMP issuer {Issuer}: the stored server {Server} is no longer in the group; starting at its first server")]
    private static partial void LogPositionStale(ILogger logger, string issuer, string server);

    [LoggerMessage(Telemetry.RotorEventIds.CmpPositionNotSaved, LogLevel.Warning, "CMP issuer {Issuer}: the server group's position could not be stored: {Error}")]
    private static partial void LogPositionNotSaved(ILogger logger, string issuer, string error);
}
