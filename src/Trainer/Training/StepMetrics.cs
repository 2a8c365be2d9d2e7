namespace Distributed.Trainer.Training;

/// <summary>
/// What one optimizer step measured. Loss is the global mean over the step's samples; Samples and Tokens are
/// global too. Times are this rank's wall-clock seconds per phase: data (loading samples), compute (forward and
/// backward), sync (gradient and scalar all-reduce), optimizer (clipping and AdamW). On a GPU the phases are
/// asynchronous, so work queued in one phase may be waited for in a later one (the loss is read in sync).
/// </summary>
public sealed record StepMetrics(
    long Step,
    double Loss,
    double GradNorm,
    double Lr,
    long Samples,
    long Tokens,
    int Epoch,
    double DataSeconds,
    double ComputeSeconds,
    double SyncSeconds,
    double OptimizerSeconds)
{
    public double Seconds => DataSeconds + ComputeSeconds + SyncSeconds + OptimizerSeconds;
}
