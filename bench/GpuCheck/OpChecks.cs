using Distributed.Trainer.Torch;
using F = Distributed.Trainer.Torch.Functional;

namespace Distributed.Bench.GpuCheck;

/// <summary>
/// Every op on the GPU (fp32 and bf16) against the same op on the CPU in float64, from the same inputs:
/// the CPU float64 path shares no kernel with the CUDA one. Tolerances follow the device METHOD:
/// float32 far under 1e-3 (we ask 1e-4), bf16 operands up to 1e-2 (2e-2 where values pass through exp).
/// </summary>
internal static class OpChecks
{
    private sealed record Check(string Name, Func<Tensor[], Tensor> Op, long[][] Shapes, double Bf16Tolerance = 1e-2);

    private static readonly Tensor Ids = Tensor.FromArray(new long[] { 3, 0, 7, 7, 1, 5 }, 2, 3);
    private static readonly Tensor GatherIndex = Tensor.FromArray(new long[] { 0, 5, 2, 2, 1, 4, 3, 3 }, 4, 2);
    private static readonly Tensor Targets = Tensor.FromArray(new long[] { 1, -100, 30, 7, 0, 63, 12, 2 });
    private static readonly Tensor Mask = Tensor.Rand([16, 16], new Generator(5)).Gt(0.3).WithDiagonal();

    // Every query keeps at least itself, so no row of the mask is empty.
    private static Tensor WithDiagonal(this Tensor mask)
    {
        using var eye = Tensor.Ones([16, 16], DType.Bool).Triu().Tril();
        return mask.LogicalOr(eye);
    }

    private static readonly Check[] Checks =
    [
        new("add", x => x[0] + x[1], [[64, 96], [96]]),
        new("mul", x => x[0] * x[1], [[64, 96], [64, 96]]),
        new("div", x => x[0] / (x[1].Abs() + 1), [[64, 96], [64, 96]]),
        new("exp", x => x[0].Exp(), [[64, 96]]),
        new("tanh", x => x[0].Tanh(), [[64, 96]]),
        new("sigmoid", x => x[0].Sigmoid(), [[64, 96]]),
        new("relu", x => x[0].Relu(), [[64, 96]]),
        new("gelu", x => x[0].Gelu(), [[64, 96]]),
        new("gelu_tanh", x => x[0].GeluTanh(), [[64, 96]]),
        new("silu", x => x[0].Silu(), [[64, 96]]),
        new("sum", x => x[0].Sum([1], keepDim: false), [[64, 96]]),
        new("mean", x => x[0].Mean(0), [[64, 96]]),
        new("amax", x => x[0].Amax(-1), [[64, 96]]),
        new("logsumexp", x => x[0].LogSumExp(-1), [[64, 96]]),
        new("softmax", x => F.Softmax(x[0], -1), [[64, 96]], 2e-2),
        new("log_softmax", x => F.LogSoftmax(x[0], -1), [[64, 96]]),
        new("matmul", x => x[0].MatMul(x[1]), [[128, 256], [256, 192]]),
        new("linear", x => F.Linear(x[0], x[1], x[2]), [[4, 32, 256], [192, 256], [192]]),
        new("baddbmm", x => x[0].BaddBmm(x[1], x[2], 0.5, 2), [[8, 32, 48], [8, 32, 64], [8, 64, 48]]),
        new("layer_norm", x => F.LayerNorm(x[0], x[1], x[2]), [[64, 256], [256], [256]]),
        new("rms_norm", x => F.RmsNorm(x[0], x[1]), [[64, 256], [256]]),
        new("embedding", x => F.Embedding(x[0], Ids.To(x[0].Device)), [[8, 64]]),
        new("transpose_contiguous", x => x[0].Transpose(0, 2).Contiguous(), [[8, 16, 32]]),
        new("cat", x => Tensor.Cat([x[0], x[1]], 1), [[8, 16], [8, 24]]),
        new("index_select", x => x[0].IndexSelect(0, Ids.View(-1).To(x[0].Device)), [[8, 32]]),
        new("gather", x => x[0].Gather(1, GatherIndex.To(x[0].Device)), [[4, 6]]),
        new("masked_fill_triu", x => x[0].MaskedFill(Mask.To(x[0].Device), -1).Triu(1), [[16, 16]]),
        new("sdpa_causal", x => F.ScaledDotProductAttention(x[0], x[1], x[2], causal: true), [[2, 4, 16, 64], [2, 4, 16, 64], [2, 4, 16, 64]]),
        new("sdpa_mask", x => F.ScaledDotProductAttention(x[0], x[1], x[2], Mask.To(x[0].Device)), [[2, 4, 16, 64], [2, 4, 16, 64], [2, 4, 16, 64]]),
        new("cross_entropy", x => F.CrossEntropy(x[0], Targets.To(x[0].Device)), [[8, 64]]),
    ];

    public static List<OpResult> Run(Device device)
    {
        var results = new List<OpResult>();
        using var g = new Generator(1234);
        foreach (var check in Checks)
        {
            using var scope = TensorScope.Begin();
            var inputs = check.Shapes.Select(s => Tensor.Randn(s, g, DType.Float64)).ToArray();
            foreach (var (dtype, tol) in new[] { (DType.Float32, 1e-4), (DType.BFloat16, check.Bf16Tolerance) })
            {
                // The reference sees the same rounded inputs as the device does.
                var rounded = inputs.Select(x => x.To(dtype).To(DType.Float64)).ToArray();
                var expected = check.Op(rounded).ToDoubleArray();
                var actual = check.Op(inputs.Select(x => x.To(device, dtype)).ToArray()).ToDoubleArray();
                results.Add(new OpResult(check.Name, dtype.ToString(), RelativeError(expected, actual), tol));
            }
        }
        results.AddRange(GradientChecks(device, g));
        return results;
    }

    /// <summary>Gradients of a block that uses the model ops (linear, gelu, layer norm, attention, cross-entropy).</summary>
    private static IEnumerable<OpResult> GradientChecks(Device device, Generator g)
    {
        using var scope = TensorScope.Begin();
        long[][] shapes = [[2, 16, 64], [64, 64], [64], [64], [64, 64]];
        var inputs = shapes.Select(s => Tensor.Randn(s, g, DType.Float64) * 0.5).ToArray();
        var targets = Tensor.RandInt(0, 64, [32], g);
        double[][] Grads(Device d, DType dtype)
        {
            var xs = inputs.Select(x => x.To(dtype).To(d).Detach().RequiresGrad_()).ToArray();
            var h = F.LayerNorm(F.Linear(xs[0], xs[1]).Gelu(), xs[2], xs[3]);
            var q = h.View(2, 16, 4, 16).Transpose(1, 2); // (B, H, T, D)
            var a = F.ScaledDotProductAttention(q, q, q, causal: true).Transpose(1, 2).Reshape(2, 16, 64);
            var logits = F.Linear(a, xs[4]).Reshape(32, 64);
            F.CrossEntropy(logits.To(DType.Float32), targets.To(d)).Backward();
            return xs.Select(x => x.Grad()!.ToDoubleArray()).ToArray();
        }
        foreach (var (dtype, tol) in new[] { (DType.Float32, 1e-4), (DType.BFloat16, 3e-2) })
        {
            var expected = Grads(Device.Cpu, DType.Float64);
            var actual = Grads(device, dtype);
            for (var i = 0; i < expected.Length; i++)
                yield return new OpResult($"grad_block_input{i}", dtype.ToString(), RelativeError(expected[i], actual[i]), tol);
        }
    }

    private static double RelativeError(double[] expected, double[] actual)
    {
        if (expected.Length != actual.Length) return double.PositiveInfinity;
        double diff = 0, norm = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            if (double.IsNaN(actual[i])) return double.NaN;
            diff += (actual[i] - expected[i]) * (actual[i] - expected[i]);
            norm += expected[i] * expected[i];
        }
        return Math.Sqrt(diff) / Math.Max(Math.Sqrt(norm), 1e-300);
    }
}

internal sealed record OpResult(string Op, string DType, double RelativeError, double Tolerance)
{
    public bool Passed => RelativeError <= Tolerance;
}
