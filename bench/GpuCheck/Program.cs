using System.Diagnostics;
using System.Text.Json;
using Distributed.Trainer.Checkpoint;
using Distributed.Trainer.Data;
using Distributed.Trainer.Models;
using Distributed.Trainer.Torch;
using Distributed.Trainer.Training;
using Distributed.Trainer.Training.Checkpoints;

namespace Distributed.Bench.GpuCheck;

/// <summary>
/// Runs on a GPU host through infra/gpu/run.sh: op checks on CUDA in fp32 and bf16, GPU memory over 200
/// training steps, and the binding's speed (bf16 8192³ matmul, per-call overhead of a small op). Writes
/// a JSON report to the path given as the first argument; exits 1 when a check fails.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "parity") return Parity(args.Skip(1).ToArray());
        if (args.Length > 0 && args[0] == "overhead")
        {
            // Only the per-call timings, so runs can alternate with Python's in one call (order effects are large).
            Console.WriteLine(JsonSerializer.Serialize(new { small_op_us_cuda = SmallOpMicroseconds(Device.Cuda(0)), small_op_us_cpu = SmallOpMicroseconds(Device.Cpu) }));
            return 0;
        }
        var output = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "gpu-check.json";
        // "--cpu" runs the same checks on the CPU (a smoke test of this program where there is no GPU).
        var device = args.Contains("--cpu") ? Device.Cpu
            : Cuda.IsAvailable ? Device.Cuda(0) : throw new InvalidOperationException("no CUDA device: run this on a GPU host, or pass --cpu");
        Console.WriteLine($"libtorch {LibTorch.Version}, {Cuda.DeviceCount} GPU(s), fused attention {LibTorch.HasFusedAttention}, fused AdamW {LibTorch.HasFusedAdamW}");

        var ops = OpChecks.Run(device);
        foreach (var r in ops)
            Console.WriteLine($"{(r.Passed ? "ok  " : "FAIL")} {r.Op,-24} {r.DType,-9} rel.err {r.RelativeError:E2} (tol {r.Tolerance:E0})");

        var pinned = device.IsCuda ? PinnedRoundTrip(device) : true;
        Console.WriteLine($"{(pinned ? "ok  " : "FAIL")} pinned host memory: asynchronous host->device->host copy returns the same values");
        var restore = RestoreRoundTrip(device);
        Console.WriteLine($"{(restore.Passed ? "ok  " : "FAIL")} restore: {restore.Detail}");
        var memory = MemoryOverSteps(device, 200);
        Console.WriteLine($"memory: allocated after step 10 {memory.AfterStep10:N0} B, after step 200 {memory.AfterStep200:N0} B, " +
                          $"live handles {memory.LiveAfterStep10} -> {memory.LiveAfterStep200}, loss {memory.FirstLoss:F3} -> {memory.LastLoss:F3}");

        var matmul = device.IsCuda ? MatmulTflops(device, 8192, repeats: 20) : 0;
        var overheadCuda = device.IsCuda ? SmallOpMicroseconds(device) : 0;
        var overheadCpu = SmallOpMicroseconds(Device.Cpu);
        Console.WriteLine($"bf16 8192^3 matmul: {matmul:F1} TFLOP/s; small op per call: cuda {overheadCuda:F2} us, cpu {overheadCpu:F2} us");

        var report = new
        {
            torch = LibTorch.Version.ToString(),
            ops,
            memory,
            matmul_tflops = matmul,
            small_op_us_cuda = overheadCuda,
            small_op_us_cpu = overheadCpu,
            restore = restore.Detail,
        };
        File.WriteAllText(output, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        var failed = ops.Count(r => !r.Passed) + (memory.Flat ? 0 : 1) + (pinned ? 0 : 1) + (restore.Passed ? 0 : 1);
        Console.WriteLine(failed == 0 ? "all GPU checks passed" : $"{failed} GPU check(s) FAILED");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>
    /// Our loader and model against transformers' dumps (tests/golden/make_golden.py) on the GPU, fp32 and bf16.
    /// Tolerances: logits 1e-4 (fp32) and 2e-2 (bf16) as the issue asks; loss alike; gradients 1e-3 (fp32) and
    /// 1e-1 (bf16: a bf16 backward against the fp32 reference, where rounding flips some ReLU kinks).
    /// </summary>
    private static int Parity(string[] directories)
    {
        var device = Cuda.IsAvailable ? Device.Cuda(0) : Device.Cpu;
        var failed = 0;
        foreach (var dir in directories)
            foreach (var (dtype, tol, gradTol) in new[] { (DType.Float32, 1e-4, 1e-3), (DType.BFloat16, 2e-2, 1e-1) })
            {
                var r = ReferenceCheck.Run(dir, device, dtype);
                // bf16 gradients: within twice transformers' own bf16-vs-fp32 distance where the dump measured it.
                var gradLimit = dtype == DType.BFloat16 && r.HfBf16Gradient is { } hf ? Math.Max(2 * hf, 2e-2) : gradTol;
                var ok = r.Logits <= tol && r.Loss <= tol && r.WorstGradient <= gradLimit;
                failed += ok ? 0 : 1;
                Console.WriteLine($"{(ok ? "ok  " : "FAIL")} parity {r.Model,-22} {device} {dtype,-9} logits {r.Logits:E2} loss {r.Loss:E2} " +
                                  $"worst grad {r.WorstGradient:E2} ({r.WorstGradientName}), limit {gradLimit:E2}");
            }
        return failed == 0 ? 0 : 1;
    }

    /// <summary>
    /// A session restored from another's snapshot (built without initialisation, the state copied to the GPU through
    /// pinned chunks of 64 MiB) holds the same bytes, and its next step computes the same loss. The embedding (100,000
    /// x 512 bf16, 102 MB) spans two chunks.
    /// </summary>
    private static (bool Passed, string Detail) RestoreRoundTrip(Device device)
    {
        var config = new LlamaConfig
        {
            VocabSize = 100_000,
            HiddenSize = 512,
            IntermediateSize = 1376,
            NumHiddenLayers = 2,
            NumAttentionHeads = 8,
            NumKeyValueHeads = 4,
            MaxPositionEmbeddings = 256,
        };
        var rng = new Random(2);
        var documents = Enumerable.Range(0, 32).Select(_ => Enumerable.Range(0, 512).Select(_ => rng.Next(0, 512)).ToArray()).ToList();
        var (job, data) = SyntheticJob(config, documents, device, batch: 8, steps: 10, lr: 1e-3, evalSamples: 4);
        using var original = TrainingSession.CreateAsync(job, WorldInfo.Single, data: data).GetAwaiter().GetResult();
        for (var i = 0; i < 3; i++) original.Step();
        TrainingSnapshot saved;
        using (var borrowed = original.Snapshot()) saved = borrowed.Copy();
        using var restored = TrainingSession.CreateAsync(job, WorldInfo.Single, data: data, resume: saved).GetAwaiter().GetResult();
        TrainingSnapshot back;
        using (var borrowed = restored.Snapshot()) back = borrowed.Copy();
        var mine = saved.Model.Concat(saved.Objective).Concat(saved.Optimizer).ToList();
        var theirs = back.Model.Concat(back.Objective).Concat(back.Optimizer).ToList();
        var differing = mine.Zip(theirs).Where(p => p.First.Name != p.Second.Name || !p.First.Bytes.Span.SequenceEqual(p.Second.Bytes.Span)).Select(p => p.First.Name).ToList();
        var (a, b) = (original.Step().Loss, restored.Step().Loss);
        var bytes = mine.Sum(t => (long)t.Bytes.Length);
        var passed = mine.Count == theirs.Count && differing.Count == 0 && a == b && restored.StepCount == original.StepCount;
        return (passed, $"{mine.Count} tensors ({bytes:N0} bytes) restored {(differing.Count == 0 ? "bit for bit" : $"with {differing.Count} differing, first {differing[0]}")}; " +
                        $"next step's loss {b:R} restored, {a:R} original");
    }

    // A bf16 Llama job of 128-token sequences over the given token documents (ids below 512).
    private static (JobFile Job, JobData Data) SyntheticJob(LlamaConfig config, List<int[]> documents, Device device, int batch, int steps, double lr, int evalSamples)
    {
        var dataset = ByteCorpus.FromTokensAsync(documents, 512, "synthetic", "synthetic").GetAwaiter().GetResult();
        var job = new JobFile
        {
            Config = JsonDocument.Parse(HfConfigFile.ToJson(config)).RootElement.Clone(),
            Device = device.ToString(),
            DType = "bf16",
            SeqLen = 128,
            Batch = batch,
            Steps = steps,
            Lr = lr,
            EvalSamples = evalSamples,
        };
        return (job, JobData.FromDataset(dataset, "synthetic"));
    }

    internal sealed record MemoryReport(long AfterStep10, long AfterStep200, long PeakAllocated, long LiveAfterStep10, long LiveAfterStep200, double FirstLoss, double LastLoss)
    {
        public bool Flat => AfterStep10 == AfterStep200 && LiveAfterStep10 == LiveAfterStep200 && LastLoss < FirstLoss;
    }

    private static MemoryReport MemoryOverSteps(Device device, int steps)
    {
        var config = new LlamaConfig
        {
            VocabSize = 512,
            HiddenSize = 256,
            IntermediateSize = 688,
            NumHiddenLayers = 4,
            NumAttentionHeads = 8,
            NumKeyValueHeads = 4,
            MaxPositionEmbeddings = 256,
        };
        // Synthetic documents with some structure to learn: most tokens follow from the previous one.
        var rng = new Random(1);
        var documents = Enumerable.Range(0, 64).Select(_ =>
        {
            var doc = Enumerable.Range(0, 1024).Select(_ => rng.Next(0, 64)).ToArray();
            for (var i = 1; i < doc.Length; i++) doc[i] = i % 97 < 60 ? doc[i] : (doc[i - 1] * 7 + 3) % 512;
            return doc;
        }).ToList();
        var (job, data) = SyntheticJob(config, documents, device, batch: 16, steps: steps, lr: 3e-3, evalSamples: 16);
        using var session = TrainingSession.CreateAsync(job, WorldInfo.Single, data: data).GetAwaiter().GetResult();
        long after10 = 0, live10 = 0;
        double first = 0, last = 0;
        for (var step = 1; step <= steps; step++)
        {
            var r = session.Step();
            if (step == 1) first = r.Loss;
            last = r.Loss;
            if (step == 10)
            {
                after10 = device.IsCuda ? Cuda.MemoryStats(device.Index).Allocated : 0;
                live10 = LibTorch.LiveTensors;
            }
        }
        var stats = device.IsCuda ? Cuda.MemoryStats(device.Index) : default;
        return new MemoryReport(after10, stats.Allocated, stats.PeakAllocated, live10, LibTorch.LiveTensors, first, last);
    }

    /// <summary>Pinned host memory: page-locked, and a non-blocking copy to the device and back keeps every value.</summary>
    private static bool PinnedRoundTrip(Device device)
    {
        using var scope = TensorScope.Begin();
        using var g = new Generator(9);
        var host = Tensor.Randn([1 << 20], g);
        var pinned = host.PinMemory();
        if (!pinned.IsPinned || host.IsPinned) return false;
        var onDevice = pinned.To(device, nonBlocking: true);
        var back = Tensor.Empty([1 << 20], DType.Float32, Device.Cpu, pinned: true).Copy_(onDevice, nonBlocking: true);
        Cuda.Synchronize(device.Index);
        return back.ToArray<float>().AsSpan().SequenceEqual(host.ToArray<float>());
    }

    private static double MatmulTflops(Device device, long n, int repeats)
    {
        using var scope = TensorScope.Begin();
        using var g = new Generator(3);
        var a = Tensor.Randn([n, n], g, DType.BFloat16, device);
        var b = Tensor.Randn([n, n], g, DType.BFloat16, device);
        for (var i = 0; i < 3; i++) a.MatMul(b).Dispose();
        Cuda.Synchronize(device.Index);
        var times = new List<double>();
        for (var i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            a.MatMul(b).Dispose();
            Cuda.Synchronize(device.Index);
            times.Add(sw.Elapsed.TotalSeconds);
        }
        times.Sort();
        return 2.0 * n * n * n / times[times.Count / 2] / 1e12;
    }

    /// <summary>Median wall time per call of a 16-element add (dispatch cost: the kernel itself is negligible).</summary>
    private static double SmallOpMicroseconds(Device device)
    {
        using var x = Tensor.Randn([16], device: device);
        const int calls = 20000;
        var samples = new List<double>();
        for (var round = 0; round < 7; round++)
        {
            if (device.IsCuda) Cuda.Synchronize(device.Index);
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < calls; i++) x.Add(x).Dispose();
            if (device.IsCuda) Cuda.Synchronize(device.Index);
            samples.Add(sw.Elapsed.TotalMicroseconds / calls);
        }
        samples.Sort();
        return samples[samples.Count / 2];
    }
}
