using Distributed.Trainer.Nn;
using Distributed.Trainer.Optim;
using Distributed.Trainer.Tests.Nn;
using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Tests.Torch;

// Native memory is owned explicitly: scopes dispose temporaries, and a training loop leaks no handles.
// These tests count process-wide live handles, so they must not run beside other tests.
[Collection(nameof(LiveHandleCounting))]
public sealed class LifetimeTests
{
    [Fact]
    public void A_scope_disposes_what_was_made_in_it_except_what_moved_out()
    {
        var start = LibTorch.LiveTensors;
        Tensor kept;
        using (var outer = TensorScope.Begin())
        {
            using (var inner = TensorScope.Begin())
            {
                var a = Tensor.Ones([3]);
                var b = a * 2 + 1;
                kept = inner.MoveToOuter(b.Sum());
                Assert.Equal(start + 4, LibTorch.LiveTensors);
            }
            Assert.Equal(start + 1, LibTorch.LiveTensors);
            Assert.False(kept.IsDisposed);
            Assert.Equal(9.0, kept.Item());
            outer.Detach(kept);
        }
        Assert.False(kept.IsDisposed);
        kept.Dispose();
        Assert.Equal(start, LibTorch.LiveTensors);
    }

    [Fact]
    public void A_scope_disposed_on_another_thread_than_it_began_on_is_refused()
    {
        // As after an await that resumed elsewhere: begun on one thread, disposed on another.
        TensorScope? scope = null;
        var other = new Thread(() => scope = TensorScope.Begin());
        other.Start();
        other.Join();
        var e = Assert.Throws<InvalidOperationException>(scope!.Dispose);
        Assert.Contains("must not span an await", e.Message);
    }

    [Fact]
    public void Two_hundred_training_steps_keep_the_live_handle_count_flat()
    {
        using var g = new Generator(11);
        using var model = new TinyMlp(g, vocab: 16, dim: 16);
        using var flat = FlatParameters.Build(model, Device.Cpu);
        using var opt = new AdamW(flat);
        var schedule = new LrSchedule(3e-3, 10, 200);
        using var data = Tensor.RandInt(0, 16, [4, 9], g);
        long afterFirst = 0;
        double firstLoss = 0, lastLoss = 0;
        for (var step = 0; step < 200; step++)
        {
            using var scope = TensorScope.Begin();
            flat.ZeroGrad();
            var ids = data.Narrow(1, 0, 8);
            var targets = data.Narrow(1, 1, 8);
            var loss = model.Loss(ids, targets);
            loss.Backward();
            GradientClipping.ClipGradNorm(flat, 1.0);
            opt.Step(schedule.At(step));
            var value = loss.Item();
            if (step == 0) firstLoss = value;
            lastLoss = value;
            scope.Dispose();
            if (step == 0) afterFirst = LibTorch.LiveTensors;
            Assert.Equal(afterFirst, LibTorch.LiveTensors);
        }
        Assert.True(lastLoss < firstLoss * 0.5, $"the loss should fall on a memorisable batch: {firstLoss} -> {lastLoss}");
    }
}

// Objectives called without a scope of the caller's own still free every temporary.
[Collection(nameof(LiveHandleCounting))]
public sealed class ObjectiveLifetimeTests
{
    [Fact]
    public void Generation_and_an_autocompressor_document_leave_no_handles_behind()
    {
        using var g = new Generator(3);
        using var llama = new Distributed.Trainer.Models.Llama(new Distributed.Trainer.Checkpoint.LlamaConfig
        {
            VocabSize = 30,
            HiddenSize = 16,
            IntermediateSize = 24,
            NumHiddenLayers = 1,
            NumAttentionHeads = 2,
            MaxPositionEmbeddings = 64,
        }, g);
        using var ac = new Distributed.Trainer.Objectives.AutoCompressor.AutoCompressorModel(llama,
            new Distributed.Trainer.Objectives.AutoCompressor.AutoCompressorConfig(Kappa: 2, Positions: Distributed.Trainer.Objectives.AutoCompressor.SummaryPositions.Consecutive));
        using var ids = Tensor.FromArray(new long[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }, 1, 12);
        using var prompt = ids.Narrow(1, 0, 4);
        var options = new Distributed.Trainer.Models.SamplingOptions(MaxNewTokens: 5);
        // The first call fills the model's RoPE tables for this device and dtype, which it keeps.
        Distributed.Trainer.Models.Generation.Generate(llama, prompt, options);
        var before = LibTorch.LiveTensors;
        Distributed.Trainer.Models.Generation.Generate(llama, prompt, options);
        Assert.Equal(before, LibTorch.LiveTensors);
        using (var loss = ac.TrainDocument(ids, [[3, 3], [3, 3]]))
            Assert.True(loss.Item() > 0);
        foreach (var p in ac.Parameters()) p.Grad()?.Dispose();
        Assert.Equal(before, LibTorch.LiveTensors);
    }
}

[CollectionDefinition(nameof(LiveHandleCounting), DisableParallelization = true)]
public sealed class LiveHandleCounting;
