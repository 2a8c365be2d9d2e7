using System.Diagnostics;
using System.Text.Json;
using Distributed.Trainer.Checkpoint;
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
/// peak memory after the warm-up. Prints one JSON line in the reference's format.
/// Usage: autocompressor-bench [--size 2.7b] [--substeps 10] [--segs-per-substep 2] [--seglen 1536] [--kappa 50] [--batch 1] [--steps 5]
/// </summary>
public static class Program
{
    private static readonly Dictionary<string, (int Layers, int Hidden, int Heads)> Sizes = new()
    {
        ["125m"] = (12, 768, 12),
        ["350m"] = (24, 1024, 16),
        ["1.3b"] = (24, 2048, 32),
        ["2.7b"] = (32, 2560, 32),
        ["6.7b"] = (32, 4096, 32),
    };

    public static int Main(string[] args)
    {
        string Arg(string name, string fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }
        var size = Arg("--size", "1.3b");
        int substeps = int.Parse(Arg("--substeps", "1")), segs = int.Parse(Arg("--segs-per-substep", "2")), seglen = int.Parse(Arg("--seglen", "2048"));
        int kappa = int.Parse(Arg("--kappa", "50")), batch = int.Parse(Arg("--batch", "1")), steps = int.Parse(Arg("--steps", "5"));
        var (layers, d, heads) = Sizes[size];
        var nseg = substeps * segs;
        var device = Device.Cuda(0);

        var config = new OptConfig
        {
            VocabSize = 50272,
            HiddenSize = d,
            NumHiddenLayers = layers,
            FfnDim = 4 * d,
            NumAttentionHeads = heads,
            MaxPositionEmbeddings = seglen + kappa * (nseg + 1) + 8,
            WordEmbedProjDim = d,
            DoLayerNormBefore = true,
            Dropout = 0,
            AttentionDropout = 0,
        };
        var build = Stopwatch.StartNew();
        using var generator = new Generator(0);
        using var opt = new Opt(config, generator);
        using var ac = new AutoCompressorModel(opt, new AutoCompressorConfig(kappa, segs, SummaryPositions.Padding));
        using var flat = FlatParameters.Build(ac, device, DType.BFloat16);
        using var adam = new AdamW(flat, new AdamWOptions(WeightDecay: 0.01));
        var nparams = opt.ParameterCount;
        Console.Error.WriteLine($"built {size} ({nparams:N0} parameters) in {build.Elapsed.TotalSeconds:F1} s");

        var plan = Enumerable.Range(0, substeps).Select(_ => Enumerable.Repeat(seglen, segs).ToArray()).ToArray();
        double DocumentStep()
        {
            using var scope = TensorScope.Begin();
            var tokens = Tensor.RandInt(0, config.VocabSize, [batch, nseg * seglen], device: device);
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
        for (var i = 0; i < steps; i++) loss = DocumentStep();
        Cuda.Synchronize();
        var dt = clock.Elapsed.TotalSeconds / steps;

        // The reference's model FLOPs: 6·N per input position plus causal attention 6·L·d·n² per segment input.
        double flops = 0;
        for (var s = 0; s < nseg; s++)
        {
            double n = s * kappa + seglen + kappa;
            flops += 6.0 * nparams * n + 6.0 * layers * d * n * n;
        }
        flops *= batch;
        var result = new Dictionary<string, object>
        {
            ["impl"] = "distributed (C#)",
            ["size"] = size,
            ["params"] = nparams,
            ["substeps"] = substeps,
            ["segs_per_substep"] = segs,
            ["seglen"] = seglen,
            ["kappa"] = kappa,
            ["batch"] = batch,
            ["step_s"] = Math.Round(dt, 4),
            ["tokens_per_s"] = Math.Round(batch * nseg * seglen / dt),
            ["model_tflops"] = Math.Round(flops / dt / 1e12, 1),
            ["peak_gib"] = Math.Round(Cuda.MemoryStats().PeakAllocated / Math.Pow(2, 30), 1),
            ["loss"] = Math.Round(loss, 3),
            ["fused_adamw"] = adam.LastStepFused,
            ["torch"] = LibTorch.Version.ToString(),
        };
        Console.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    }
}
