using Distributed.Trainer.Data;

namespace Distributed.Trainer.Training.Checkpoints;

/// <summary>
/// A training session's whole state at a step boundary, in host memory, independent of the world size: the job
/// spec, the optimizer step (which is also the schedule's position), the data cursor, the model's weights under
/// Hugging Face names with its config.json, the objective's own parameters and the optimizer's moments (both under
/// our parameter names). No generator state: every random choice is derived from (seed, epoch, sample index) or
/// (seed, step). Taking it is quick; writing it (<see cref="CheckpointWriter"/>) may run on another thread while
/// training goes on.
/// A snapshot from <see cref="TrainingSession.Snapshot"/> borrows the session's reusable host buffers, which a GPU
/// session fills in the background: read its bytes only after <see cref="WaitCopied"/> (the checkpoint writers and
/// <see cref="TrainingSession.Restore"/> do), and dispose it once done with them (the checkpoint writers do once its
/// files are written): the session's next snapshot needs the buffers back. Its bytes must not be read after that.
/// </summary>
public sealed record TrainingSnapshot(
    JobFile Job,
    long Step,
    DataCursor Cursor,
    string ModelType,
    byte[] ModelConfig,
    IReadOnlyList<HostTensor> Model,
    IReadOnlyList<HostTensor> Objective,
    IReadOnlyList<HostTensor> Optimizer) : IDisposable
{
    /// <summary>Moment names in <see cref="Optimizer"/>: "exp_avg/" and "exp_avg_sq/" before the parameter's name.</summary>
    public const string ExpAvg = "exp_avg/";

    public const string ExpAvgSq = "exp_avg_sq/";

    /// <summary>The session buffers this snapshot borrows (none for one read from a checkpoint or built in memory).</summary>
    internal SnapshotLease? Lease { get; init; }

    /// <summary>Waits until the bytes are in host memory: a GPU session copies them while training goes on.</summary>
    public void WaitCopied() => Lease?.WaitCopied();

    /// <summary>A copy in managed memory that borrows nothing: it outlives its session and its session's next snapshots.</summary>
    public TrainingSnapshot Copy()
    {
        WaitCopied();
        static List<HostTensor> Own(IReadOnlyList<HostTensor> tensors) => [.. tensors.Select(t => t with { Bytes = t.Bytes.ToArray() })];
        return this with { Model = Own(Model), Objective = Own(Objective), Optimizer = Own(Optimizer), Lease = null };
    }

    /// <summary>Gives the borrowed host buffers back to the session (idempotent, any thread).</summary>
    public void Dispose() => Lease?.Dispose();
}
