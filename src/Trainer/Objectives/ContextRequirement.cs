namespace Distributed.Trainer.Objectives;

/// <summary>
/// How many positions an objective's inputs use, why, and what in the job file shrinks them: checked against the
/// model's max_position_embeddings before the first step, and used as that value when an inline config leaves it out.
/// </summary>
public sealed record ContextRequirement(int Positions, string Because, string Shrink);
