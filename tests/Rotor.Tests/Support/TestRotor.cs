using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Rotor.Cli;
using Rotor.Scheduling;

namespace Rotor.Tests.Support;

/// <summary>
/// Rotor on a temp data folder with fake time, driven through the real CLI in-process.
/// Every line the CLI and the logs print is kept, for assertions and secret scans.
/// </summary>
public sealed class TestRotor : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    public TestRotor(ReconcilerOptions? options = null)
    {
        Dir = new TempDir();
        Time = new FakeTimeProvider(Start);
        Options = options ?? new ReconcilerOptions { UnitRandom = () => 0.5, Parallelism = 1 };
    }

    public TempDir Dir { get; }
    public FakeTimeProvider Time { get; }
    public ReconcilerOptions Options { get; }
    public string Data => Dir.Combine("data");
    public List<string> Transcript { get; } = [];

    public string WriteManifest(string text, string file = "rotor.yaml") => Dir.Write(file, text);

    public async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await RotorCli.InvokeAsync([.. args, "--data", Data], output, error, Time, Options);
        Transcript.Add(output.ToString());
        Transcript.Add(error.ToString());
        return (code, output.ToString(), error.ToString());
    }

    public async Task<RotorHost> OpenHostAsync() =>
        await RotorHost.OpenAsync(Data, Time, LoggerFactory.Create(_ => { }), Options, CancellationToken.None);

    public string OutFile(string certificate, string file) => Dir.Combine("out", certificate, file);

    public void Dispose() => Dir.Dispose();
}
