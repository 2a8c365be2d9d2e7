using Distributed.Trainer.Data;

namespace Distributed.Trainer.Training.Checkpoints;

/// <summary>
/// A training session's whole state at a step boundary, in host memory, independent of the world size: the job
/// spec, the optimizer step (which is also the schedule's position), the data cursor, the model's weights under
/// Hugging Face names with its config.json, the objective's own parameters and the optimizer's moments (both under
/// our parameter names). No generator state: every random choice is derived from (seed, epoch, sample index) or
/// (seed, step). Taking it is quick; writing it (<see cref="CheckpointWriter"/>) may run on another thread while
/// training goes on.
/// </summary>
public sealed record TrainingSnapshot(
    JobFile Job,
    long Step,
    DataCursor Cursor,
    string ModelType,
    byte[] ModelConfig,
    IReadOnlyList<HostTensor> Model,
    IReadOnlyList<HostTensor> Objective,
    IReadOnlyList<HostTensor> Optimizer)
{
    /// <summary>Moment names in <see cref="Optimizer"/>: "exp_avg/" and "exp_avg_sq/" before the parameter's name.</summary>
    public const string ExpAvg = "exp_avg/";

    public const string ExpAvgSq = "exp_avg_sq/";
}
