using Rotor.Core.Resources;

namespace Rotor.Core.Abstractions;

/// <summary>
/// A target that can keep the private key itself (an SBC that generates its key and never gives
/// it out). When a certificate's one leaf binding goes to such a target with
/// <see cref="KeyOnDevice"/> set, the reconciler does not make a key: it asks the target for a
/// PKCS#10 request signed by the device's key, has the issuer sign it, stores the version without
/// a key, and the target uploads only the certificate. Rules (checked before anything is asked
/// of the device): the certificate has exactly one leaf binding, this one (the device that holds
/// the key); its <c>privateKey.rotationPolicy</c> is <c>Never</c> (the device signs with the key
/// in service: a new device key would not match the certificate in service until the new one is
/// uploaded); trust-role bindings beside it are allowed (they take CA certificates only).
/// </summary>
public interface IKeyOnDeviceTarget
{
    /// <summary>Whether this target keeps the key; false makes it an ordinary target that takes Rotor's key.</summary>
    bool KeyOnDevice { get; }

    /// <summary>
    /// A PKCS#10 request (DER) for <paramref name="spec"/>'s subject, signed by the key the device
    /// holds for <paramref name="binding"/>. Failures are <see cref="RotorException"/> with IsTransient set.
    /// </summary>
    Task<byte[]> RequestCsrAsync(string certificateName, CertificateSpec spec, DeployBinding binding, CancellationToken cancellationToken);
}
