namespace Rotor.Cmp.Transport;

/// <summary>
/// Carries one DER-encoded PKIMessage to a server and returns the DER of its answer.
/// Contract: implementations are thread-safe; they throw <see cref="CmpException"/> for
/// transport failures (reason <see cref="CmpReasons.Connect"/> only when the request was
/// certainly not delivered), and let <see cref="OperationCanceledException"/> through when
/// <c>cancellationToken</c> fires. They do not interpret the CMP content.
/// </summary>
public interface ICmpTransport
{
    Task<byte[]> SendAsync(Uri server, byte[] request, CancellationToken cancellationToken);
}
