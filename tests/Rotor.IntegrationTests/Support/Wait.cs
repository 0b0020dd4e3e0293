namespace Rotor.IntegrationTests.Support;

/// <summary>Polls a condition of an outside process until it holds or a deadline passes.</summary>
public static class Wait
{
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException("timed out waiting: " + describe());
            }
            await Task.Delay(100);
        }
    }
}
