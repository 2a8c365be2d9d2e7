using Distributed.Trainer.Data;
using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Objectives;

/// <summary>
/// An objective over samples of type <typeparamref name="TSample"/>, drawn from a training and a held-out source
/// (see <see cref="HeldOutSplit"/>): the typed half of <see cref="Objective"/>.
/// </summary>
public abstract class Objective<TSample> : Objective
{
    private readonly ISampleSource<TSample> _train;
    private readonly ISampleSource<TSample> _heldOut;

    protected Objective(ISampleSource<TSample> train, ISampleSource<TSample> heldOut)
    {
        _train = train;
        _heldOut = heldOut;
        Train = new SampleCatalog(train.DatasetId, train.Seed, train.Count);
        HeldOut = new SampleCatalog(heldOut.DatasetId, heldOut.Seed, heldOut.Count);
    }

    public sealed override SampleCatalog Train { get; }

    public sealed override SampleCatalog HeldOut { get; }

    public sealed override MicroBatch Load(SampleCatalog catalog, IReadOnlyList<long> indices, int epoch)
    {
        var source = catalog == Train ? _train : catalog == HeldOut ? _heldOut : throw new ArgumentException($"{catalog} is not one of {Name}'s catalogs", nameof(catalog));
        var samples = indices.Select(i => source.Get(i, epoch)).ToList();
        return new Samples(samples, samples.Sum(TokensOf));
    }

    public sealed override Tensor ForwardBackward(MicroBatch batch, double lossScale, Action? beforeLastBackward = null) =>
        ForwardBackward(((Samples)batch).Items, lossScale, beforeLastBackward);

    public sealed override double[] Evaluate(MicroBatch batch) => Evaluate(((Samples)batch).Items);

    /// <inheritdoc cref="Objective.ForwardBackward"/>
    protected abstract Tensor ForwardBackward(IReadOnlyList<TSample> samples, double lossScale, Action? beforeLastBackward);

    /// <inheritdoc cref="Objective.Evaluate"/>
    protected abstract double[] Evaluate(IReadOnlyList<TSample> samples);

    /// <summary>Tokens the model reads for a sample (tokens/s).</summary>
    protected abstract long TokensOf(TSample sample);

    private sealed record Samples(IReadOnlyList<TSample> Items, long Tokens) : MicroBatch(Items.Count, Tokens);
}
