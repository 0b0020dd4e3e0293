namespace Rotor.Core.Rotation;

/// <summary>Where a certificate version is in its life.</summary>
public enum VersionState
{
    /// <summary>Issued, validated and persisted; not yet in service on every target.</summary>
    Issued,

    /// <summary>In service on every target.</summary>
    Active,

    /// <summary>Replaced by a newer active version; kept for the overlap window and rollback.</summary>
    Superseded,

    /// <summary>Refused by validation or abandoned; never deployed.</summary>
    Failed,

    /// <summary>Gone from every target; its key is deleted.</summary>
    Retired,
}

/// <summary>Progress of one version on one target (DESIGN.md, Lifecycle step 4).</summary>
public enum RotationState
{
    Staged,
    Deployed,
    Verifying,
    Promoted,
    Draining,
    Retired,
    RollingBack,
    Failed,
}
