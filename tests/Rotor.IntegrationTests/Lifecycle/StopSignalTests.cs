using System.Diagnostics;
using Rotor.IntegrationTests.Support;
using Rotor.Scheduling;

namespace Rotor.IntegrationTests.Lifecycle;

/// <summary>
/// SIGTERM (systemd's stop, a Ctrl-C's cousin) in the middle of a command: exit 130, a plain
/// message and no stack trace, nothing half-written, and the next run finishes the work.
/// </summary>
public class StopSignalTests
{
    private const string Manifest = """
        apiVersion: rotor/v1
        kind: Issuer
        metadata: {name: local}
        spec: {ca: {}}
        ---
        apiVersion: rotor/v1
        kind: Target
        metadata: {name: out}
        spec: {file: {reload: {command: 'echo reloaded >> reload.log'}}}
        ---
        apiVersion: rotor/v1
        kind: Certificate
        metadata: {name: sip-edge}
        spec:
          dnsNames: [sip.example.test]
          issuerRef: {name: local}
          deploy: [{target: out, path: out/sip-edge}]
        """;

    [Fact]
    public async Task Sigterm_during_reconcile_exits_130_and_the_next_run_is_clean()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Combine("rotor.yaml"), Manifest);
        var data = dir.Combine("data");
        var marker = dir.Combine("paused");
        using (var rotor = RotorProcess.Start(dir.Path, new Dictionary<string, string>
        {
            ["ROTOR_FAULT_PAUSE_AT"] = FaultPoints.AfterKey,
            ["ROTOR_FAULT_MARKER"] = marker,
        }, "reconcile", "-f", "rotor.yaml", "--data", data))
        {
            await Wait.UntilAsync(() => File.Exists(marker) || rotor.HasExited, TimeSpan.FromSeconds(60), () => "pause point; stderr:\n" + rotor.Errors);
            rotor.Terminate();
            Assert.Equal(130, await rotor.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            AssertPlainStop(rotor.Errors);
        }
        Assert.False(File.Exists(dir.Combine("out", "sip-edge", "cert.pem")));

        var (code, output, err) = await RotorProcess.RunAsync(dir.Path, TimeSpan.FromSeconds(60), "reconcile", "--data", data);
        Assert.True(code == 0, err);
        Assert.Contains("1 issued, 1 deployed, 0 failed", output, StringComparison.Ordinal);
        Assert.True(File.Exists(dir.Combine("out", "sip-edge", "cert.pem")));
    }

    [Theory]
    [InlineData("apply")]
    [InlineData("verify")]
    public async Task Sigterm_while_a_command_waits_for_its_input_exits_130_without_a_stack_trace(string command)
    {
        using var dir = new TempDir();
        var fifo = dir.Combine(command == "apply" ? "site.yaml" : "cert.pem");
        using (var mk = Process.Start("mkfifo", [fifo])) mk.WaitForExit();
        var data = dir.Combine("data");
        string[] args = command == "apply" ? ["apply", "-f", fifo, "--data", data] : ["verify", "--cert", fifo];
        using (var rotor = RotorProcess.Start(dir.Path, null, args))
        {
            // The command is blocked opening the FIFO (nobody writes to it) when the signal comes.
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.False(rotor.HasExited, rotor.Errors);
            rotor.Terminate();
            Assert.Equal(130, await rotor.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            AssertPlainStop(rotor.Errors);
        }
        if (command == "apply")
        {
            File.Delete(fifo);
            File.WriteAllText(dir.Combine("rotor.yaml"), Manifest);
            var (code, output, err) = await RotorProcess.RunAsync(dir.Path, TimeSpan.FromSeconds(60), "apply", "-f", "rotor.yaml", "--data", data);
            Assert.True(code == 0, err);
            Assert.Contains("certificate/sip-edge created", output, StringComparison.Ordinal);
        }
    }

    private static void AssertPlainStop(string errors)
    {
        Assert.Contains("stopped before it finished", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", errors, StringComparison.Ordinal);
    }
}
