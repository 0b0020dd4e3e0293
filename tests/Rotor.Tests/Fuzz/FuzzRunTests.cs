using CsCheck;

namespace Rotor.Tests.Fuzz;

public class FuzzRunTests
{
    [Fact]
    public void A_run_counts_every_input_it_tried()
    {
        var tried = 0;
        var iterations = FuzzRun.Iterations(200);
        Gen.Int.Sample(_ => Interlocked.Increment(ref tried), iter: iterations, threads: 1);
        Assert.Equal(iterations, tried);
        FuzzRun.Record("self-check", tried);
    }
}
