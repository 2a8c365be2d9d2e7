using Distributed.Grains.Data;

namespace Distributed.Grains.Data;

/// <summary>A job's data position, persisted.</summary>
public sealed class DataShardState
{
    /// <summary>The committed cursor: every rank of the world recorded the steps up to it.</summary>
    public DataPosition? Cursor { get; set; }

    public long SamplesPerEpoch { get; set; }

    public int GlobalBatch { get; set; }

    /// <summary>What each rank trained in each step, oldest first (bounded: the newest <see cref="DataShardGrain.LogLimit"/> entries).</summary>
    public List<StepSlice> Log { get; set; } = [];

    /// <summary>The cursor each rank reported after its newest step, by world and rank.</summary>
    public List<RankPosition> Ranks { get; set; } = [];
}

/// <summary>Where one rank of a world stands.</summary>
public sealed record RankPosition(string WorldId, int Rank, DataPosition After);
