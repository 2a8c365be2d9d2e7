namespace Distributed.Grains.Checkpoints;

/// <summary>The files one rank wrote into a checkpoint, as it reported them.</summary>
[GenerateSerializer, Alias("distributed.checkpoint-rank-part")]
public sealed class RankPart
{
    [Id(0)]
    public int Rank { get; set; }

    [Id(1)]
    public List<CheckpointFile> Files { get; set; } = [];

    /// <summary>The rank's own write time.</summary>
    [Id(2)]
    public double Seconds { get; set; }
}
