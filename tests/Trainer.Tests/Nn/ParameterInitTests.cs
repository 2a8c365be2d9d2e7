using Distributed.Trainer.Nn;
using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Tests.Nn;

public sealed class ParameterInitTests
{
    [Fact]
    public void Modules_built_inside_a_skip_scope_draw_no_random_numbers_and_later_ones_are_initialised_as_usual()
    {
        using var shared = new Generator(7);
        using (ParameterInit.Skip())
        using (new Linear(64, 32, generator: shared))
        using (new Embedding(50, 32, shared))
        using (new LoraAdapter(32, 32, 4, 8, shared))
        {
        }
        // The skipped modules took nothing from the generator: what is built next equals a build from a fresh one.
        using var fresh = new Generator(7);
        using var after = new Linear(64, 32, generator: shared);
        using var reference = new Linear(64, 32, generator: fresh);
        var weights = after.Weight.Data.ToDoubleArray();
        Assert.Equal(reference.Weight.Data.ToDoubleArray(), weights);
        Assert.Equal(reference.Bias!.Data.ToDoubleArray(), after.Bias!.Data.ToDoubleArray());
        // ... and it is initialised: PyTorch's uniform in ±1/sqrt(in), not constant.
        Assert.All(weights, w => Assert.InRange(w, -1 / 8.0, 1 / 8.0));
        Assert.True(weights.Distinct().Count() > weights.Length / 2, "the weights after the scope look uninitialised");
    }

    [Fact]
    public void Skip_scopes_nest_belong_to_their_thread_and_end_once_however_often_disposed()
    {
        Assert.False(ParameterInit.Skipping);
        var outer = ParameterInit.Skip();
        using (ParameterInit.Skip()) Assert.True(ParameterInit.Skipping);
        Assert.True(ParameterInit.Skipping); // the outer scope still holds
        var elsewhere = true;
        var other = new Thread(() => elsewhere = ParameterInit.Skipping);
        other.Start();
        other.Join();
        Assert.False(elsewhere);
        outer.Dispose();
        outer.Dispose();
        Assert.False(ParameterInit.Skipping);
        using (ParameterInit.Skip()) Assert.True(ParameterInit.Skipping); // a second Dispose did not leave a debt
        Assert.False(ParameterInit.Skipping);
    }
}
