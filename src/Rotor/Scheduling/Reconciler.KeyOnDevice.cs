using Rotor.Certificates;
using Rotor.Core.Abstractions;
using Rotor.Core.Renewal;
using Rotor.Core.Resources;
using Rotor.Keys;
using Rotor.Targets;
using Rotor.Telemetry;

namespace Rotor.Scheduling;

public sealed partial class Reconciler
{
    /// <summary>
    /// The leaf binding whose target keeps the key (<see cref="IKeyOnDeviceTarget"/>), if any, after
    /// checking the rules such a certificate follows: exactly one leaf binding, and
    /// rotationPolicy Never (the device signs with the key it serves with).
    /// </summary>
    private async Task<(DeployBinding Binding, IKeyOnDeviceTarget Device)?> KeyOnDeviceAsync(string name, CertificateSpec spec, CancellationToken cancellationToken)
    {
        var leaves = spec.Deploy.Where(b => b.Role == DeployRole.Leaf).ToList();
        foreach (var binding in leaves)
        {
            if (await targets.GetAsync(binding.Target, cancellationToken) is not IKeyOnDeviceTarget { KeyOnDevice: true } device) continue;
            if (leaves.Count != 1)
            {
                throw new RotorException(
                    $"certificate '{name}': target '{binding.Target}' keeps the key on the device (keyOnDevice), so it must be the certificate's only leaf binding " +
                    $"(found {leaves.Count}: {string.Join(", ", leaves.Select(l => l.Target))}); no other target can present a key it never gets",
                    isTransient: false) { Reason = RotorReasons.KeyOnDeviceMisconfigured };
            }
            if (spec.PrivateKey.RotationPolicy != RotationPolicy.Never)
            {
                throw new RotorException(
                    $"certificate '{name}': target '{binding.Target}' keeps the key on the device (keyOnDevice): set privateKey.rotationPolicy: Never " +
                    "(the device signs the request with the key in service; a new key there would not match the certificate in service until the new one is uploaded)",
                    isTransient: false) { Reason = RotorReasons.KeyOnDeviceMisconfigured };
            }
            return (binding, device);
        }
        return null;
    }

    /// <summary>
    /// Issue with the key on a device: the device's request (its signature checked, SHA-1
    /// refused), the issuer signs its public key or sends it as it is, validation checks the
    /// certificate carries that public key, and the version is stored with a <c>device:</c>
    /// reference instead of a key. No key is made, reserved or stored.
    /// </summary>
    private async Task<CertificateVersion> IssueOnDeviceAsync(string name, CertificateSpec spec, StoredResource stored, CertificateStatus status,
        CertificateVersion? active, DueReason reason, DeployBinding binding, IKeyOnDeviceTarget device, CancellationToken cancellationToken)
    {
        var (issuer, issuerSpec) = await issuers.GetAsync(spec.IssuerRef, cancellationToken);
        var der = await device.RequestCsrAsync(name, spec, binding, cancellationToken);
        var (publicKey, spki) = DeviceCertificateRequest.Read(der, binding.Target);
        using var _ = publicKey;
        using var replaces = active is null ? null : LeafOf(active);
        var issued = await issuer.IssueAsync(new IssueRequest(name, spec, publicKey, new Lazy<byte[]>(() => der)) { KeyOnDevice = true, Replaces = replaces }, cancellationToken);
        var trust = issued.Roots.Count > 0 ? issued.Roots : await issuer.GetTrustAnchorsAsync(cancellationToken);
        var report = Validate(name, spec, issued, trust, null, active, replaces, issuerSpec, spki);
        return await RecordIssuedAsync(name, spec, stored, status, issued, report, KeyRefs.OnDevice(binding.Target), reason,
            keepPending: false, deleteKeyIfFailed: false, cancellationToken);
    }
}
