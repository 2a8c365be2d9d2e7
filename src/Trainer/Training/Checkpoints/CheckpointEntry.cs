namespace Distributed.Trainer.Training.Checkpoints;

/// <summary>A written file of a checkpoint as the manifest records it: size, SHA-256 and the rank that wrote it.</summary>
public sealed record CheckpointEntry(string File, long Bytes, string Sha256, int Rank);
