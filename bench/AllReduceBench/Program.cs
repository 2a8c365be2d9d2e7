using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Distributed.Trainer.Collectives;
using Distributed.Trainer.Torch;

namespace Distributed.Bench.AllReduce;

/// <summary>
/// One rank of the all-reduce bandwidth benchmark through our c10d path (ProcessGroup over the shim):
/// for each buffer size, a correctness check, warm-up, then synchronized timed all-reduces of a bf16
/// buffer. Rank 0 prints one JSON line per size with every iteration's time; torch_allreduce.py does the
/// same with torch.distributed. infra/gpu/allreduce-bench.sh starts one process per GPU.
/// Usage: allreduce-bench --rank R --world N --port P [--sizes-mib 16,64,256,1024] [--warmup 5] [--iters 30] [--cpu]
/// (--cpu: Gloo on float32 CPU tensors, a smoke test of this program where there is no GPU).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var o = Parse(args);
        int Int(string k, int fallback) => o.TryGetValue(k, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var rank = Int("rank", 0);
        var world = Int("world", 1);
        var port = Int("port", 29600);
        var warmup = Int("warmup", 5);
        var iters = Int("iters", 30);
        var cpu = o.ContainsKey("cpu");
        var sizes = (o.TryGetValue("sizes-mib", out var s) ? s : "16,64,256,1024").Split(',').Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        var device = cpu ? Device.Cpu : Device.Cuda(rank);
        var dtype = cpu ? DType.Float32 : DType.BFloat16;

        if (rank == 0) Console.Error.WriteLine($"libtorch {LibTorch.Version}, NCCL collectives {LibTorch.HasNccl}, Gloo collectives {LibTorch.HasGloo}");
        using var group = ProcessGroup.Join(new Rendezvous("127.0.0.1", port, $"allreduce-bench-{port}", rank, world, TimeSpan.FromSeconds(120)), device);
        foreach (var mib in sizes)
        {
            var bytes = mib << 20;
            using var scope = TensorScope.Begin();
            var t = Tensor.Full([bytes / dtype.ElementSize()], rank + 1, dtype, device);
            // Correctness first: every element must be 1 + 2 + ... + world (exact in bf16 for these sizes).
            group.AllReduceSum(t);
            var expected = world * (world + 1) / 2.0;
            var wrong = t.Ne(expected).Sum().ItemLong();
            if (wrong != 0) throw new InvalidOperationException($"{wrong} elements of the {mib} MiB all-reduce are not {expected}");
            t.Zero_(); // sums of zeros stay finite however many iterations run
            for (var i = 0; i < warmup; i++) group.AllReduceSum(t);
            Sync(device);
            var times = new double[iters];
            for (var i = 0; i < iters; i++)
            {
                Sync(device);
                var start = Stopwatch.GetTimestamp();
                group.AllReduceSum(t);
                Sync(device);
                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            if (rank == 0)
                Console.WriteLine(JsonSerializer.Serialize(new { impl = "csharp-c10d", world, bytes, dtype = dtype.ToString(), times_ms = times }));
        }
        group.Barrier();
        return 0;
    }

    private static void Sync(Device device)
    {
        if (device.IsCuda) Cuda.Synchronize(device.Index);
    }

    private static Dictionary<string, string> Parse(string[] args)
    {
        var o = new Dictionary<string, string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"expected a --flag, got '{args[i]}'");
            var key = args[i][2..];
            o[key] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "";
        }
        return o;
    }
}
