namespace Distributed.Actors;

/// <summary>Why an activation is being deactivated.</summary>
public enum DeactivationReason
{
    /// <summary>Unused for longer than the idle timeout.</summary>
    Idle,

    /// <summary>The grain asked for it with <see cref="Grain.DeactivateOnIdle"/>.</summary>
    Requested,

    /// <summary>The silo is shutting down.</summary>
    SiloStopping,

    /// <summary>Another activation of the same grain won the directory registration (after a lease loss).</summary>
    DuplicateActivation,
}
