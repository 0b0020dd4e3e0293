namespace Rotor.Core.Abstractions;

/// <summary>
/// The one exception family of Rotor's protocol and target code. <see cref="IsTransient"/>
/// alone decides whether the reconciler retries (with backoff) or gives up until the spec
/// changes. Messages never carry key material or secrets.
/// </summary>
public class RotorException : Exception
{
    public RotorException(string message, bool isTransient, Exception? innerException = null)
        : base(message, innerException) => IsTransient = isTransient;

    public RotorException() : this("Rotor operation failed", false) { }
    public RotorException(string message) : this(message, false) { }
    public RotorException(string message, Exception innerException) : this(message, false, innerException) { }

    public bool IsTransient { get; }

    /// <summary>The earliest time a retry makes sense, when the far end said so (ACME rateLimited).</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>A short machine-readable cause for events (e.g. <c>ReloadFailed</c>).</summary>
    public string Reason { get; init; } = "Failed";
}
