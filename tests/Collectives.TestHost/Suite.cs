using Distributed.Trainer.Collectives;
using Distributed.Trainer.Torch;

namespace Distributed.Collectives.TestHost;

/// <summary>All-reduce, broadcast, barrier and all-gather in one world, then an all-reduce in a second world on the same store.</summary>
internal static class Suite
{
    private static readonly long[] Sizes = [1, 7, 1_000_003];

    public static void Run(Options o, Report report)
    {
        // The store outlives the first world: rank 0 serves it, the others connect, and both worlds meet there.
        using var store = o.Rank == 0 ? TcpStore.Serve(Options.Host, o.Port, Options.JoinTimeout) : TcpStore.Connect(Options.Host, o.Port, Options.JoinTimeout);
        using (var group = ProcessGroup.Join(o.Rendezvous(), Device.Cpu, store))
        {
            report.Check("join", group.Backend == CollectiveBackend.Gloo && group.WorldSize == o.World, group.ToString());
            foreach (var dtype in new[] { DType.Float32, DType.Float64, DType.BFloat16 })
                foreach (var size in Sizes)
                {
                    AllReduce(group, report, dtype, size, exact: true);
                    AllReduce(group, report, dtype, size, exact: false);
                }
            Broadcast(group, report);
            Barrier(group, report);
            AllGather(group, report);
        }
        // A second world with the ranks rotated: it must not read the first world's rendezvous keys.
        var rank2 = (o.Rank + 1) % o.World;
        using (var second = ProcessGroup.Join(o.Rendezvous(o.WorldId + "-second", rank2), Device.Cpu, store))
        {
            AllReduce(second, report, DType.Float32, 7, exact: true, name: "second-world");
            second.Barrier(); // the store's server (rank 0 of the first world) stays until everyone is done
        }
    }

    // Rank r's values: small integers (exact in every dtype, whatever the summation order) or normal samples.
    private static double[] Values(int rank, long size, bool exact)
    {
        if (exact) return Enumerable.Range(0, (int)size).Select(i => (double)(((i * 7L) + (rank * 13L)) % 17 - 8)).ToArray();
        using var g = new Generator(1000 + rank);
        using var t = Tensor.Randn([size], g, DType.Float64);
        return t.ToArray<double>();
    }

    // The inputs as the dtype holds them, read back as float64.
    private static double[] Rounded(double[] values, DType dtype)
    {
        using var scope = TensorScope.Begin();
        return Tensor.FromArray(values).To(dtype).ToDoubleArray();
    }

    private static void AllReduce(ProcessGroup group, Report report, DType dtype, long size, bool exact, string? name = null)
    {
        name ??= $"allreduce-{dtype}-{size}-{(exact ? "integers" : "normal")}";
        using var scope = TensorScope.Begin();
        var mine = Tensor.FromArray(Values(group.Rank, size, exact)).To(dtype);
        try
        {
            group.AllReduceSum(mine);
        }
        catch (CollectiveException e) when (dtype == DType.BFloat16 && LibTorch.Version.Major < 2)
        {
            // libtorch 1.13's Gloo has no bf16 kernels: the refusal must be a clear, classified error.
            report.Check(name, e.Failure == CollectiveFailure.Failed && e.Op == "AllReduceSum" && e.Message.Contains("BFloat16 tensors are not supported by Gloo", StringComparison.Ordinal),
                $"refused (this libtorch's Gloo has no bf16): {e.Message}");
            return;
        }
        var got = mine.ToDoubleArray();
        // The reference: every rank's inputs, summed one after the other in float64.
        var sum = new double[size];
        var magnitude = new double[size];
        for (var r = 0; r < group.WorldSize; r++)
        {
            var x = Rounded(Values(r, size, exact), dtype);
            for (var i = 0; i < size; i++)
            {
                sum[i] += x[i];
                magnitude[i] += Math.Abs(x[i]);
            }
        }
        var eps = dtype switch { DType.Float64 => Math.Pow(2, -52), DType.Float32 => Math.Pow(2, -23), _ => Math.Pow(2, -8) };
        var worst = 0.0;
        var bad = -1;
        for (var i = 0; i < size; i++)
        {
            var err = Math.Abs(got[i] - sum[i]);
            var tolerance = exact ? 0 : eps * group.WorldSize * magnitude[i];
            if (err > tolerance && bad < 0) bad = i;
            worst = Math.Max(worst, err);
        }
        report.Check(name, bad < 0, bad < 0 ? $"max|error|={worst:G3}" : $"element {bad}: got {got[bad]}, sequential sum {sum[bad]}");
    }

    private static void Broadcast(ProcessGroup group, Report report)
    {
        using var scope = TensorScope.Begin();
        var root = group.WorldSize - 1;
        using var g = new Generator(77);
        var expected = Tensor.Randn([1_000_003], g).ToArray<float>();
        var t = group.Rank == root ? Tensor.FromArray(expected) : Tensor.Full([1_000_003], -1.0);
        group.Broadcast(t, root);
        var got = t.ToArray<float>();
        var same = got.AsSpan().SequenceEqual(expected);
        report.Check("broadcast", same, $"root={root} first={got[0]} expected={expected[0]}");
    }

    // Rank r enters 150 ms x r after rank 0: nobody may leave before the last rank has entered.
    private static void Barrier(ProcessGroup group, Report report)
    {
        Thread.Sleep(150 * group.Rank);
        var entered = Report.UnixMs;
        group.Barrier();
        var left = Report.UnixMs;
        Report.Line($"BARRIER rank={group.Rank} entered={entered} left={left}");
        report.Check("barrier", left >= entered, $"waited {left - entered} ms");
    }

    private static void AllGather(ProcessGroup group, Report report)
    {
        using var scope = TensorScope.Begin();
        var r = group.Rank;
        var mine = Tensor.FromArray(new long[] { r, 10 * r, 100 * r });
        var all = group.AllGather(mine);
        var got = all.ToLongArray();
        var expected = Enumerable.Range(0, group.WorldSize).SelectMany(k => new long[] { k, 10 * k, 100 * k }).ToArray();
        report.Check("allgather", got.SequenceEqual(expected) && all.Shape.SequenceEqual(new long[] { group.WorldSize, 3 }),
            $"got [{string.Join(",", got)}]");
    }
}
