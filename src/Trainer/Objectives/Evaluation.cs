namespace Distributed.Trainer.Objectives;

/// <summary>
/// Held-out results: the headline <see cref="Loss"/> (the training loss on held-out samples, whose fall the main
/// job checks) and the objective's own measures by name, in the order they are reported.
/// </summary>
public sealed record Evaluation(double Loss, IReadOnlyList<(string Name, double Value)> Metrics, long Samples)
{
    public double this[string name] => Metrics.First(m => m.Name == name).Value;
}
