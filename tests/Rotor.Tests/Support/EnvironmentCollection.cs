namespace Rotor.Tests.Support;

/// <summary>Tests that change process-wide state (environment variables) run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "process environment";
}
