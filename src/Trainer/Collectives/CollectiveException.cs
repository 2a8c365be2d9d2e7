namespace Distributed.Trainer.Collectives;

/// <summary>
/// A collective, or joining a world, failed. It names the operation, this process's rank, the world and
/// why (<see cref="Failure"/>); <see cref="NativeMessage"/> is libtorch's own text. After one, the group
/// is unusable: abort or dispose it and join a new world.
/// </summary>
public sealed class CollectiveException(string op, int rank, string worldId, CollectiveFailure failure, string nativeMessage, Exception? inner = null)
    : Exception($"{op} failed on rank {rank} of world '{worldId}' ({Describe(failure)}): {nativeMessage}", inner)
{
    public string Op { get; } = op;

    public int Rank { get; } = rank;

    public string WorldId { get; } = worldId;

    public CollectiveFailure Failure { get; } = failure;

    public string NativeMessage { get; } = nativeMessage;

    private static string Describe(CollectiveFailure failure) => failure switch
    {
        CollectiveFailure.PeerLost => "a peer was lost",
        CollectiveFailure.Timeout => "timed out: a peer hangs or never joined",
        CollectiveFailure.Aborted => "the group was aborted",
        _ => "failed",
    };

    // The shim's own text for a call on an aborted group (dst_dist.cpp).
    internal const string AbortedMessage = "the process group was aborted";

    /// <summary>Reads the failure from the backend's message (Gloo's and NCCL's wording).</summary>
    internal static CollectiveFailure Classify(string message)
    {
        string[] timeout = ["timed out", "timeout", "Timeout"];
        string[] peerLost =
        [
            "Connection closed by peer", "Connection reset by peer", "Broken pipe", "Connection refused",
            "ncclRemoteError", "remote process exited",
        ];
        if (peerLost.Any(m => message.Contains(m, StringComparison.OrdinalIgnoreCase))) return CollectiveFailure.PeerLost;
        if (timeout.Any(m => message.Contains(m, StringComparison.OrdinalIgnoreCase))) return CollectiveFailure.Timeout;
        if (message.Contains(AbortedMessage, StringComparison.Ordinal)) return CollectiveFailure.Aborted;
        return CollectiveFailure.Failed;
    }
}
