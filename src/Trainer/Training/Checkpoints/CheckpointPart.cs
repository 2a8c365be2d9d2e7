namespace Distributed.Trainer.Training.Checkpoints;

/// <summary>One file of a checkpoint, the rank that writes it, and how to write its bytes (from host memory).</summary>
public sealed record CheckpointPart(string File, int Rank, Action<Stream> Write);
