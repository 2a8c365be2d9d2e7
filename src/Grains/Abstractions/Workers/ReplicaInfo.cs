namespace Distributed.Grains.Workers;

/// <summary>A snapshot of one GPU's replica and of the worker activation fronting it.</summary>
/// <param name="Gpu">The GPU's global index (the worker grain's key).</param>
/// <param name="LocalDevice">The device ordinal on its host (position of the GPU in the silo's <c>--gpus</c> list).</param>
/// <param name="ReplicaId">The replica's identity: new only when the silo process that owns the GPU starts.</param>
/// <param name="Version">Units of work the replica has run on its GPU thread.</param>
/// <param name="Silo">The owning silo's name.</param>
/// <param name="ProcessId">The owning silo's process id.</param>
/// <param name="ActivationId">The worker grain activation that answered (changes when the grain re-activates).</param>
/// <param name="GpuThreadId">The managed id of the GPU's dedicated thread.</param>
[GenerateSerializer, Immutable, Alias("distributed.replica-info")]
public sealed record ReplicaInfo(
    [property: Id(0)] int Gpu,
    [property: Id(1)] int LocalDevice,
    [property: Id(2)] Guid ReplicaId,
    [property: Id(3)] long Version,
    [property: Id(4)] string Silo,
    [property: Id(5)] int ProcessId,
    [property: Id(6)] string ActivationId,
    [property: Id(7)] int GpuThreadId);
