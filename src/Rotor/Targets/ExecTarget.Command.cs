using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Certificates;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;

namespace Rotor.Targets;

public sealed partial class ExecTarget
{
    /// <summary>How much of a failed command's last stderr line goes into the failure's message.</summary>
    private const int LastLineChars = 300;

    /// <summary>An inspect command prints a certificate; more than this is not one.</summary>
    private const int MaxInspectOutput = 1024 * 1024;

    /// <summary>
    /// What the command sees besides PATH (README, "exec targets"): certbot's and lego's hook
    /// names pointing into <paramref name="lineage"/>, Rotor's <c>ROTOR_*</c>, and the variables of
    /// Rotor's own environment the target lists in <c>env</c> (never the master key).
    /// </summary>
    internal Dictionary<string, string> EnvironmentFor(string step, DeploymentArtifact artifact, string lineage, long? versionInService)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var passed in spec.Env)
        {
            if (Environment.GetEnvironmentVariable(passed) is { } value) environment[passed] = value;
        }
        var names = NamesOf(artifact.Leaf);
        environment["RENEWED_LINEAGE"] = lineage;
        environment["RENEWED_DOMAINS"] = string.Join(' ', names);
        if (!artifact.IsTrustOnly)
        {
            // lego writes DOMAIN.crt as the certificate and its issuer (it bundles unless --no-bundle), DOMAIN.key and DOMAIN.issuer.crt.
            environment["LEGO_CERT_DOMAIN"] = names.FirstOrDefault() ?? "";
            environment["LEGO_CERT_PATH"] = Path.Combine(lineage, FullChainFile);
            environment["LEGO_CERT_KEY_PATH"] = Path.Combine(lineage, KeyFile);
            environment["LEGO_ISSUER_CERT_PATH"] = Path.Combine(lineage, ChainFile);
        }
        environment["ROTOR_CERTIFICATE"] = artifact.CertificateName;
        environment["ROTOR_VERSION"] = versionInService?.ToString(CultureInfo.InvariantCulture) ?? "";
        environment["ROTOR_TARGET"] = name;
        environment["ROTOR_TARGET_DIR"] = lineage;
        environment["ROTOR_STEP"] = step;
        environment["ROTOR_ROLE"] = artifact.IsTrustOnly ? "trust" : "leaf";
        if (step == HookSteps.Rollback)
        {
            environment["ROTOR_ROLLBACK"] = "1";
            environment["ROTOR_ROLLED_BACK_VERSION"] = artifact.VersionNumber.ToString(CultureInfo.InvariantCulture);
        }
        if (step == HookSteps.Retire) environment["ROTOR_RETIRED_VERSION"] = artifact.VersionNumber.ToString(CultureInfo.InvariantCulture);
        return environment;
    }

    /// <summary>The certificate's DNS names, then its IP addresses; its common name when it has neither (certbot's RENEWED_DOMAINS).</summary>
    internal static IReadOnlyList<string> NamesOf(X509Certificate2 leaf)
    {
        var names = new List<string>();
        if (leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault() is { } san)
        {
            names.AddRange(san.EnumerateDnsNames());
            names.AddRange(san.EnumerateIPAddresses().Select(ip => ip.ToString()));
        }
        if (names.Count == 0 && leaf.GetNameInfo(X509NameType.SimpleName, forIssuer: false) is { Length: > 0 } cn) names.Add(cn);
        return names.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    private ProcessStartInfo StartInfo()
    {
        // A program given by a relative path (./hook.sh) is the manifest's, as every relative path in it.
        var start = spec.Arguments is { } argv
            ? new ProcessStartInfo(argv[0].Contains('/', StringComparison.Ordinal) ? Path.GetFullPath(Path.Combine(targetManifestDirectory, argv[0])) : argv[0], argv.Skip(1))
            : new ProcessStartInfo("/bin/sh", ["-c", spec.Command!]);
        start.WorkingDirectory = Path.GetFullPath(targetManifestDirectory);
        return start;
    }

    private string Program => spec.Arguments is { } argv ? argv[0] : "/bin/sh";

    /// <summary>Runs the command for <paramref name="step"/>; a failure is a transient <see cref="RotorException"/> naming the exit code and the last stderr line, censored.</summary>
    private async Task<ChildProcessResult> RunCommandAsync(string step, DeploymentArtifact artifact, string lineage, long? versionInService, CancellationToken cancellationToken)
    {
        var environment = EnvironmentFor(step, artifact, lineage, versionInService);
        ChildProcessResult result;
        var started = time.GetTimestamp();
        try
        {
            result = await ChildProcess.RunAsync(StartInfo(), environment, spec.Timeout, cancellationToken);
        }
        catch (Win32Exception)
        {
            Fail(step, artifact, $"cannot start {Program}");
            throw; // unreachable: Fail throws
        }
        if (result.TimedOut)
        {
            Fail(step, artifact, $"the {step} command did not finish within {DurationParser.Format(spec.Timeout)} and was killed");
        }
        if (result.ExitCode != 0)
        {
            var last = LastLine(result.Errors) ?? LastLine(result.Output);
            var censored = last is null ? null : Censor(last, artifact, environment.Where(v => spec.Env.Contains(v.Key, StringComparer.Ordinal)));
            Fail(step, artifact, $"the {step} command exited with code {result.ExitCode}" + (censored is null ? "" : $": {censored}"));
        }
        Telemetry.Log.ExecCommandFinished(logger, name, artifact.CertificateName, artifact.VersionNumber, step, time.GetElapsedTime(started).TotalMilliseconds);
        return result;
    }

    private void Fail(string step, DeploymentArtifact artifact, string message)
    {
        Telemetry.Log.ExecCommandFailed(logger, name, artifact.CertificateName, artifact.VersionNumber, step, message);
        throw new RotorException($"exec target '{name}': {message}", isTransient: true) { Reason = RotorReasons.DeployCommandFailed };
    }

    private static string? LastLine(string text)
    {
        var line = text.Split('\n').Select(l => l.TrimEnd('\r').Trim()).LastOrDefault(l => l.Length > 0);
        if (line is null) return null;
        return line.Length <= LastLineChars ? line : line[..LastLineChars] + "…";
    }

    /// <summary>
    /// Keeps what a command printed from repeating a secret: a line of the private key (or any PEM
    /// key marker) and the value of any variable passed from Rotor's environment are blanked.
    /// </summary>
    internal static string Censor(string line, DeploymentArtifact artifact, IEnumerable<KeyValuePair<string, string>> passed)
    {
        if (line.Contains("PRIVATE KEY", StringComparison.OrdinalIgnoreCase)) return "[a private key line, censored]";
        var keyLines = artifact.PrivateKeyPem.Split('\n').Select(l => l.Trim()).Where(l => l.Length >= 16 && !l.StartsWith("-----", StringComparison.Ordinal));
        if (keyLines.Any(k => line.Contains(k, StringComparison.Ordinal) || (line.Length >= 16 && k.Contains(line, StringComparison.Ordinal))))
        {
            return "[a private key line, censored]";
        }
        foreach (var (variable, value) in passed)
        {
            if (value.Length >= 4) line = line.Replace(value, $"[{variable} censored]", StringComparison.Ordinal);
        }
        return line;
    }

    /// <summary>
    /// Runs the command with ROTOR_STEP=inspect: it prints (PEM) the certificate the place it
    /// deploys to holds now; the first certificate printed is the answer.
    /// </summary>
    private async Task<TargetInspection> InspectByCommandAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        ChildProcessResult result;
        try
        {
            result = await RunCommandAsync(HookSteps.Inspect, artifact, LiveFolder(artifact), ReadNumber(LiveNumberFile(artifact)), cancellationToken);
        }
        catch (RotorException e)
        {
            return new TargetInspection(null, null, e.Message);
        }
        if (result.Output.Length > MaxInspectOutput) return new TargetInspection(null, null, "the inspect command printed more than 1 MiB");
        try
        {
            var collection = new X509Certificate2Collection();
            collection.ImportFromPem(result.Output);
            if (collection.Count == 0) return new TargetInspection(null, null, "the inspect command printed no PEM certificate");
            return new TargetInspection(CertificatePem.Sha256Fingerprint(collection[0]), new DateTimeOffset(collection[0].NotAfter.ToUniversalTime()), "as the inspect command printed it");
        }
        catch (CryptographicException)
        {
            return new TargetInspection(null, null, "the inspect command printed no readable certificate");
        }
    }
}
