namespace Distributed.Grains.Checkpoints;

/// <summary>One checkpoint in the checkpoint grain's state: its plan and what each rank reported.</summary>
[GenerateSerializer, Alias("distributed.checkpoint-record")]
public sealed class CheckpointRecord
{
    [Id(0)]
    public string Name { get; set; } = "";

    [Id(1)]
    public long Step { get; set; }

    [Id(2)]
    public int WorldSize { get; set; }

    [Id(3)]
    public DateTimeOffset Started { get; set; }

    [Id(4)]
    public bool Committed { get; set; }

    [Id(5)]
    public bool Abandoned { get; set; }

    /// <summary>Why it was abandoned.</summary>
    [Id(6)]
    public string? Reason { get; set; }

    /// <summary>From Begin to the commit (or to the last part so far).</summary>
    [Id(7)]
    public double Seconds { get; set; }

    /// <summary>Bytes of all parts once committed (the manifest's), else of the parts in so far.</summary>
    [Id(8)]
    public long Bytes { get; set; }

    /// <summary>The ranks whose part is in, with their files.</summary>
    [Id(9)]
    public List<RankPart> Parts { get; set; } = [];

    /// <summary>The world whose ranks write it (null in state from before it was kept).</summary>
    [Id(10)]
    public string? WorldId { get; set; }
}
