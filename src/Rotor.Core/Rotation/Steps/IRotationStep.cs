using Rotor.Core.Abstractions;
namespace Rotor.Core.Rotation.Steps;

/// <summary>
/// The work of one rotation state on one target. Each step is idempotent (run twice after a
/// crash, it ends in the same place) and returns the record in its next state; the engine
/// persists that record before it runs the next step.
/// </summary>
internal interface IRotationStep
{
    Task<RotationRecord> RunAsync(RotationJob job, RotationMember member, IRotationEnvironment env, CancellationToken cancellationToken);
}
