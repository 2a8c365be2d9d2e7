namespace Distributed.Grains.Workers;

/// <summary>A world was to start from a replica this worker no longer holds: the job grain forms the world again.</summary>
public sealed class ReplicaLostException(string message) : Exception(message);
