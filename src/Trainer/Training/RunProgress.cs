namespace Distributed.Trainer.Training;

/// <summary>Where a <see cref="TrainingRun"/> is, reported after every step (a terminal progress bar shows it).</summary>
/// <param name="Step">Steps done.</param>
/// <param name="Steps">Steps in total.</param>
/// <param name="Loss">This step's training loss.</param>
/// <param name="TokensPerSecond">Tokens per second since the run (or its resume) began.</param>
public sealed record RunProgress(long Step, int Steps, double Loss, double TokensPerSecond);
