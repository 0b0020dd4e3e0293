using System.Diagnostics;
using Rotor.Cli;
using Rotor.Scheduling;

namespace Rotor.Bench;

/// <summary>
/// <c>acme-reconcile</c>: the product's <c>rotor reconcile --data DIR -f MANIFEST</c>, run in-process
/// through <see cref="RotorCli.InvokeAsync"/> so that the reconciler's parallelism can be set
/// (the <c>rotor</c> executable has no option for it; the default is 4). Used by bench/acme/run.sh
/// for "one process, N certificates, strictly one after another" (parallelism 1).
/// Prints <c>acme_reconcile_seconds=</c> (inside the process, after start-up) and returns rotor's exit code.
/// </summary>
internal static class AcmeReconcile
{
    public static async Task<int> RunAsync(string data, string manifest, int parallelism, CancellationToken cancellationToken)
    {
        if (parallelism < 1) throw new ArgumentException("--parallelism must be >= 1");
        var options = new ReconcilerOptions { Parallelism = parallelism };
        var watch = Stopwatch.StartNew();
        var code = await RotorCli.InvokeAsync(["reconcile", "--data", data, "-f", manifest], Console.Out, Console.Error,
            options: options, cancellationToken: cancellationToken);
        Program.Figure("acme_reconcile_seconds", watch.Elapsed.TotalSeconds);
        return code;
    }
}
