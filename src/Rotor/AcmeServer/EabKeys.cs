using System.Security.Cryptography;
using Rotor.Acme.Jws;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;

namespace Rotor.AcmeServer;

/// <summary>
/// External Account Binding keys for Rotor's ACME servers (RFC 8555 7.3.4): an operator makes one
/// per device or team (<c>rotor acme-server eab create NAME</c>) and hands its key id and HMAC key
/// to the device's ACME client. The HMAC key is shown once; the store keeps it sealed under the
/// master key (so the server can verify with it) and nothing logs it. A key binds one account.
/// </summary>
public sealed class EabKeys(IAcmeServerStore store, IStore events, Keys.SecretSealer secrets, TimeProvider time)
{
    /// <summary>A new key: its id, and the HMAC key (base64url, 256 bits) to show once.</summary>
    public sealed record Created(string KeyId, string HmacKey);

    /// <summary>A key as listed: never the HMAC key.</summary>
    public sealed record Listed(string Name, string KeyId, DateTimeOffset Created, string? Account);

    /// <summary>The associated data the HMAC key is sealed under, so a sealed key copied to another id does not open.</summary>
    internal static string SealLabel(string keyId) => "acme-eab/" + keyId;

    /// <summary>Null when <paramref name="name"/> may name a key; else why not.</summary>
    public static string? CheckName(string name) =>
        ResourceNames.IsValid(name) ? null : $"'{name}' is not a valid key name: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit";

    /// <summary>Makes and stores a key; a <see cref="RotorReasons.Conflict"/> failure when the name is taken.</summary>
    public async Task<Created> CreateAsync(string name, CancellationToken cancellationToken)
    {
        var keyId = "kid-" + Base64Url.Encode(RandomNumberGenerator.GetBytes(12));
        var hmac = RandomNumberGenerator.GetBytes(32);
        try
        {
            var record = new AcmeEabKeyRecord(keyId, name, secrets.Seal(SealLabel(keyId), hmac), time.GetUtcNow(), null);
            if (!await store.AddEabKeyAsync(record, cancellationToken))
            {
                throw new RotorException($"an EAB key named '{name}' exists already", isTransient: false) { Reason = RotorReasons.Conflict };
            }
            await events.AppendEventAsync(new EventRecord(0, time.GetUtcNow(), ResourceKinds.AcmeServer, "eab/" + name, EventType.Normal,
                RotorReasons.AcmeServerEabKeyCreated, $"EAB key '{name}' created (key id {keyId})"), cancellationToken);
            return new Created(keyId, Base64Url.Encode(hmac));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(hmac);
        }
    }

    public async Task<IReadOnlyList<Listed>> ListAsync(CancellationToken cancellationToken) =>
        (await store.ListEabKeysAsync(cancellationToken)).Select(k => new Listed(k.Name, k.KeyId, k.CreatedAt, k.AccountId)).ToList();
}
