using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Rotor.Alerts.Channels;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Issuers;
using Rotor.Keys;
using Rotor.Storage;

namespace Rotor.Alerts;

/// <summary>
/// Builds the channel of a stored <c>Notifier</c>, resolving its secrets when it is built (never
/// stored, never logged). One channel per notifier and spec generation is kept, so its HTTP
/// connections are reused; a changed spec builds a new one.
/// </summary>
public sealed class NotifierRegistry(IStore store, TimeProvider? timeProvider = null) : IDisposable
{
    private readonly Dictionary<string, (long Generation, IAlertChannel Channel, IDisposable? Owned)> _channels = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    public async Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken) =>
        [.. (await store.ListResourcesAsync(ResourceKinds.Notifier, cancellationToken)).Select(r => r.Name)];

    public async Task<(IAlertChannel Channel, NotifierSpec Spec)?> GetAsync(string name, CancellationToken cancellationToken)
    {
        var stored = await store.GetResourceAsync(ResourceKinds.Notifier, name, cancellationToken);
        if (stored is null) return null;
        var spec = SpecSerializer.SpecOf<NotifierSpec>(stored);
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (_channels.TryGetValue(name, out var known) && known.Generation == stored.Generation) return (known.Channel, spec);
            var (channel, owned) = await CreateAsync(name, spec, _time, SpecSerializer.BaseDirectory(stored), cancellationToken);
            if (_channels.Remove(name, out var old)) old.Owned?.Dispose();
            _channels[name] = (stored.Generation, channel, owned);
            return (channel, spec);
        }
        finally
        {
            _lock.Release();
        }
    }

    private static async Task<(IAlertChannel, IDisposable?)> CreateAsync(string name, NotifierSpec spec, TimeProvider time, string baseDirectory, CancellationToken cancellationToken)
    {
        string? Resolve(string? path) => path is null ? null : Path.GetFullPath(Path.Combine(baseDirectory, path));
        switch (spec.Kind)
        {
            case NotifierKind.Alertmanager:
            {
                var am = spec.Alertmanager!;
                var http = AcmeHttpClientFactory.Create(Resolve(am.CaBundle), spec.Timeout);
                var auth = am.AuthSecretRef is null ? null : await SecretResolver.ResolveAsync(am.AuthSecretRef, baseDirectory, cancellationToken);
                return (new AlertmanagerChannel(name, am, http, auth is null ? null : auth.Contains(' ', StringComparison.Ordinal) ? auth : "Bearer " + auth), http);
            }
            case NotifierKind.Webhook:
            {
                var hook = spec.Webhook!;
                var http = AcmeHttpClientFactory.Create(Resolve(hook.CaBundle), spec.Timeout);
                var key = hook.SecretRef is null ? null : Encoding.UTF8.GetBytes(await SecretResolver.ResolveAsync(hook.SecretRef, baseDirectory, cancellationToken));
                return (new WebhookChannel(name, hook, http, key), http);
            }
            case NotifierKind.Email:
            {
                var email = spec.Email!;
                var password = email.PasswordRef is null ? null : await SecretResolver.ResolveAsync(email.PasswordRef, baseDirectory, cancellationToken);
                return (new EmailChannel(name, email, password, TrustBundle(name, Resolve(email.CaBundle)), spec.Timeout), null);
            }
            case NotifierKind.Snmp:
            {
                var snmp = spec.Snmp!;
                var community = Encoding.UTF8.GetBytes(await SecretResolver.ResolveAsync(snmp.CommunityRef, baseDirectory, cancellationToken));
                return (new SnmpChannel(name, snmp, community, time, spec.Timeout), null);
            }
            default:
                throw new RotorException($"notifier '{name}': delivery over {spec.Kind.ToString().ToLowerInvariant()} is not available in this build of Rotor", isTransient: false)
                { Reason = RotorReasons.NotifierUnsupported };
        }
    }

    /// <summary>The certificates of a caBundle file, or null without one; a missing or unreadable bundle names the notifier and the file.</summary>
    private static X509Certificate2Collection? TrustBundle(string name, string? path)
    {
        if (path is null) return null;
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new RotorException($"notifier '{name}': caBundle {path} cannot be read ({e.GetType().Name})", isTransient: true) { Reason = RotorReasons.NotifierCaBundle };
        }
        if (roots.Count == 0) throw new RotorException($"notifier '{name}': caBundle {path} holds no PEM certificate", isTransient: false) { Reason = RotorReasons.NotifierCaBundle };
        return roots;
    }

    public void Dispose()
    {
        foreach (var (_, _, owned) in _channels.Values) owned?.Dispose();
        _channels.Clear();
        _lock.Dispose();
    }
}
