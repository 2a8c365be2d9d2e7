namespace Distributed.Grains.Checkpoints;

/// <summary>A job's checkpoints: where they go, the retention policy, and every checkpoint not yet deleted. Plain JSON.</summary>
[GenerateSerializer, Alias("distributed.checkpoint-state")]
public sealed class CheckpointGrainState
{
    [Id(0)]
    public string? Location { get; set; }

    [Id(1)]
    public int KeepLast { get; set; } = 1;

    [Id(2)]
    public int KeepEvery { get; set; }

    [Id(3)]
    public int EverySteps { get; set; }

    /// <summary>Oldest first.</summary>
    [Id(4)]
    public List<CheckpointRecord> Checkpoints { get; set; } = [];
}
