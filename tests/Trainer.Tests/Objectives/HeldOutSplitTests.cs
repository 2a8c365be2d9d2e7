using Distributed.Trainer.Data;
using Distributed.Trainer.Objectives;
using Distributed.Trainer.Training;

namespace Distributed.Trainer.Tests.Objectives;

public sealed class HeldOutSplitTests
{
    private sealed class Indices(long count) : ISampleSource<long>
    {
        public string DatasetId => "indices";

        public ulong Seed => 1;

        public long Count => count;

        public long Get(long sampleIndex, int epoch) => sampleIndex;
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(10, 5)]
    [InlineData(11, 3)]
    [InlineData(1000, 64)]
    [InlineData(39_785, 128)]
    public void Held_out_samples_are_spread_over_the_catalog_and_never_train(long count, int evalSamples)
    {
        var (train, heldOut) = HeldOutSplit.Of(new Indices(count), evalSamples, "lm", "test");
        var held = Enumerable.Range(0, evalSamples).Select(i => heldOut.Get(i, 0)).ToList();
        var trained = Enumerable.Range(0, (int)train.Count).Select(i => train.Get(i, 0)).ToList();
        Assert.Equal(count - evalSamples, train.Count);
        Assert.Equal(Enumerable.Range(0, (int)count).Select(i => (long)i), trained.Concat(held).Order());
        Assert.Equal(trained.Order(), trained); // training order is catalog order (the sample order permutes it)
        // Evenly spaced: one held-out sample in each of E equal stretches of the catalog.
        for (var i = 0; i < evalSamples; i++) Assert.InRange(held[i], i * count / evalSamples, ((i + 1) * count / evalSamples) - 1);
        Assert.NotEqual(train.DatasetId, heldOut.DatasetId);
    }

    [Fact]
    public void Too_few_samples_for_the_held_out_part_is_an_error_naming_the_fields()
    {
        var e = Assert.Throws<JobException>(() => HeldOutSplit.Of(new Indices(10), 6, "lm", "tiny"));
        Assert.Contains("eval_samples 6", e.Message);
        Assert.Contains("--eval-samples", e.Message);
    }
}
