using Microsoft.Extensions.Logging;
using Rotor.Acme.Challenges;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;

namespace Rotor.Issuers;

internal sealed partial class AcmeSolverSet
{
    private static partial IChallengeSolver CreateDns01(Dns01SolverSpec spec, string baseDirectory, TimeProvider time, ILoggerFactory loggers) =>
        throw new RotorException("dns01 solvers are not wired in yet", isTransient: false);
}
