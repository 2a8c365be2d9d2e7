namespace Distributed.Trainer.Collectives;

/// <summary>Why a collective failed, as far as the backend's message tells.</summary>
public enum CollectiveFailure
{
    /// <summary>A peer's connection closed or reset: the peer process died or its host went away.</summary>
    PeerLost,

    /// <summary>The collective (or the rendezvous) did not complete within the group's timeout: a peer hangs or never came.</summary>
    Timeout,

    /// <summary>This process aborted the group (<see cref="ProcessGroup.Abort"/>).</summary>
    Aborted,

    /// <summary>Anything else: a bad argument, an unsupported dtype, a backend error.</summary>
    Failed,
}
