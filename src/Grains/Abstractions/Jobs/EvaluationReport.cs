namespace Distributed.Grains.Jobs;

/// <summary>
/// A held-out evaluation of the job's model at a step: the headline loss and the objective's own measures by name
/// (AutoCompressor: loss_with_summaries, loss_without_summaries, segment_i_loss_with_summaries,
/// segment_i_loss_without; ICAE: reconstruction_bleu4, reconstruction_exact, ...).
/// </summary>
[GenerateSerializer, Immutable, Alias("distributed.evaluation-report")]
public sealed record EvaluationReport(
    [property: Id(0)] long Step,
    [property: Id(1)] double Loss,
    [property: Id(2)] IReadOnlyList<Metric> Metrics,
    [property: Id(3)] long Samples,
    [property: Id(4)] DateTimeOffset Time);

/// <summary>A named value.</summary>
[GenerateSerializer, Immutable, Alias("distributed.metric")]
public sealed record Metric([property: Id(0)] string Name, [property: Id(1)] double Value);
