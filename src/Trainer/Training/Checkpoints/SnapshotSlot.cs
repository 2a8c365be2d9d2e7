using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Training.Checkpoints;

/// <summary>One tensor of a snapshot: its name in the snapshot, the device tensor it copies and the shape it is saved with.</summary>
internal sealed record SnapshotSlot(string Name, Tensor Source, long[] Shape);
