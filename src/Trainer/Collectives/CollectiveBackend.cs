namespace Distributed.Trainer.Collectives;

/// <summary>The c10d backend of a process group: chosen by the device its tensors live on.</summary>
public enum CollectiveBackend
{
    /// <summary>ProcessGroupGloo, for CPU tensors.</summary>
    Gloo,

    /// <summary>ProcessGroupNCCL, for the CUDA tensors of one device.</summary>
    Nccl,
}
