namespace Distributed.Grains.Checkpoints;

/// <summary>
/// A job's checkpoints (key: the job id). Persisted. Begin assigns the parts; ranks upload their parts from host
/// memory on a background thread while training goes on and report them; when every part is in, the grain writes
/// the manifest last, with a conditional write (the commit point), applies retention and tells the job grain. A
/// checkpoint whose manifest is missing is never loaded.
/// </summary>
[Alias("distributed.checkpoint")]
public interface ICheckpointGrain : IGrainWithStringKey
{
    /// <summary>
    /// Begins the checkpoint of <paramref name="step"/> written by world <paramref name="worldId"/> of
    /// <paramref name="worldSize"/> ranks: idempotent for the ranks of one world. Another world (a replay of the step after
    /// a failure) starts it afresh: the uncommitted files of the earlier world's writers are deleted first.
    /// </summary>
    [Alias("begin")]
    Task<CheckpointPlan> BeginAsync(string location, long step, int worldSize, int keepLast, int keepEvery, int everySteps, string worldId);

    /// <summary>Rank <paramref name="rank"/>'s part is written; returns the checkpoint as it now stands (committed once every part is in).</summary>
    [Alias("part-written")]
    Task<CheckpointInfo> PartWrittenAsync(string name, int rank, IReadOnlyList<CheckpointFile> files, double seconds);

    /// <summary>Gives up a checkpoint that cannot complete (its world is gone); its files are deleted, never loaded.</summary>
    [Alias("abandon")]
    Task AbandonAsync(string name, string reason);

    [Alias("list")]
    Task<IReadOnlyList<CheckpointInfo>> ListAsync();

    /// <summary>The newest committed checkpoint, or null.</summary>
    [Alias("latest")]
    Task<CheckpointInfo?> LatestCommittedAsync();
}
