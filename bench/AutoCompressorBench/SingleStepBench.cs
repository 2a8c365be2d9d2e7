using System.Diagnostics;
using System.Text.Json;
using Distributed.Trainer.Models;
using Distributed.Trainer.Nn;
using Distributed.Trainer.Objectives.AutoCompressor;
using Distributed.Trainer.Optim;
using Distributed.Trainer.Torch;

namespace Distributed.Bench.AutoCompressorBench;

/// <summary>
/// Our AutoCompressor training step on the workload of ../shared/bench/ref_autocompressor_step.py, with the
/// same shapes and precision regime (OPT sizes, random weights, bf16 weights and AdamW state, fused AdamW,
/// fused attention, κ summary tokens, stop-gradient after each substep, fixed segment lengths so both sides
/// do identical work) and the same measurement: 2 warm-up documents, then the mean over --steps documents,
/// peak memory after the warm-up. Prints one JSON line in the reference's format. The model's step alone, on
/// cuda:0: the data-parallel mode (<see cref="DataParallelBench"/>) measures the worker's whole session.
/// </summary>
public static class SingleStepBench
{
    public static int Run(BenchOptions o)
    {
        var device = Device.Cuda(0);
        var build = Stopwatch.StartNew();
        var config = Workload.Config(o);
        using var generator = new Generator(0);
        using var opt = new Opt(config, generator);
        using var ac = new AutoCompressorModel(opt, new AutoCompressorConfig(o.Kappa, o.SegmentsPerSubstep, SummaryPositions.Padding));
        using var flat = FlatParameters.Build(ac, device, DType.BFloat16);
        using var adam = new AdamW(flat, new AdamWOptions(WeightDecay: 0.01));
        var nparams = opt.ParameterCount;
        Console.Error.WriteLine($"built {o.Size} ({nparams:N0} parameters) in {build.Elapsed.TotalSeconds:F1} s");

        var plan = Enumerable.Range(0, o.Substeps).Select(_ => Enumerable.Repeat(o.SegmentLength, o.SegmentsPerSubstep).ToArray()).ToArray();
        double DocumentStep()
        {
            using var scope = TensorScope.Begin();
            var tokens = Tensor.RandInt(0, config.VocabSize, [o.Batch, o.DocumentTokens], device: device);
            var loss = ac.TrainDocument(tokens, plan);
            adam.Step(1e-5);
            flat.ZeroGrad();
            return loss.Item();
        }

        for (var i = 0; i < 2; i++) DocumentStep();
        Cuda.Synchronize();
        Cuda.ResetPeakMemoryStats();
        var clock = Stopwatch.StartNew();
        double loss = 0;
        for (var i = 0; i < o.Steps; i++) loss = DocumentStep();
        Cuda.Synchronize();
        var dt = clock.Elapsed.TotalSeconds / o.Steps;

        var result = new Dictionary<string, object>
        {
            ["impl"] = "distributed (C#)",
            ["size"] = o.Size,
            ["params"] = nparams,
            ["substeps"] = o.Substeps,
            ["segs_per_substep"] = o.SegmentsPerSubstep,
            ["seglen"] = o.SegmentLength,
            ["kappa"] = o.Kappa,
            ["batch"] = o.Batch,
            ["step_s"] = Math.Round(dt, 4),
            ["tokens_per_s"] = Math.Round(o.Batch * o.DocumentTokens / dt),
            ["model_tflops"] = Math.Round(o.Batch * Workload.DocumentFlops(o, nparams) / dt / 1e12, 1),
            ["peak_gib"] = Math.Round(Cuda.MemoryStats().PeakAllocated / Math.Pow(2, 30), 1),
            ["loss"] = Math.Round(loss, 3),
            ["fused_adamw"] = adam.LastStepFused,
            ["torch"] = LibTorch.Version.ToString(),
        };
        Console.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    }
}
