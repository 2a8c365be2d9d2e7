using Distributed.Trainer.Torch;
using static Distributed.Trainer.Tests.Torch.Ref;

namespace Distributed.Trainer.Tests.Torch;

// Every op against an independent float64 reference computed in C#.
public sealed class OpsTests
{
    private readonly Random _rng = new(42);

    [Fact]
    public void Creation_fills_and_ranges()
    {
        using var scope = TensorScope.Begin();
        Assert.Equal(new float[] { 0, 0, 0, 0, 0, 0 }, Tensor.Zeros([2, 3]).ToArray<float>());
        Assert.Equal(new long[] { 1, 1, 1 }, Tensor.Ones([3], DType.Int64).ToArray<long>());
        Assert.Equal(new double[] { 2.5, 2.5 }, Tensor.Full([2], 2.5, DType.Float64).ToArray<double>());
        Assert.Equal(new long[] { 2, 5, 8 }, Tensor.Arange(2, 10, 3).ToArray<long>());
        var t = Tensor.FromArray(new int[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        Assert.Equal(new long[] { 2, 3 }, t.Shape);
        Assert.Equal(DType.Int32, t.DType);
        Assert.Equal(Device.Cpu, t.Device);
        Assert.Equal(new[] { 1, 2, 3, 4, 5, 6 }, t.ToArray<int>());
        Assert.Equal(new[] { true, false }, Tensor.FromArray(new[] { true, false }).ToArray<bool>());
        Assert.Equal(new[] { (Half)1.5, (Half)(-2) }, Tensor.FromArray(new[] { (Half)1.5, (Half)(-2) }).ToArray<Half>());
    }

    [Fact]
    public void Seeded_random_is_reproducible_and_has_the_right_statistics()
    {
        using var scope = TensorScope.Begin();
        using var g1 = new Generator(7);
        using var g2 = new Generator(7);
        var a = Tensor.Randn([20000], g1).ToArray<float>();
        var b = Tensor.Randn([20000], g2).ToArray<float>();
        Assert.Equal(a, b);
        var mean = a.Average();
        var var = a.Select(x => (x - mean) * (x - mean)).Average();
        Assert.InRange(mean, -0.03, 0.03);
        Assert.InRange(var, 0.95, 1.05);
        var u = Tensor.Rand([10000], g1).ToArray<float>();
        Assert.All(u, x => Assert.InRange(x, 0f, 1f));
        Assert.InRange(u.Average(), 0.48, 0.52);
        var ints = Tensor.RandInt(3, 7, [1000], g1).ToArray<long>();
        Assert.Equal(new long[] { 3, 4, 5, 6 }, ints.Distinct().Order().ToArray());
        g1.Seed(7);
        Assert.Equal(a, Tensor.Randn([20000], g1).ToArray<float>());
    }

    [Fact]
    public void Views_and_shape_ops_match_index_arithmetic()
    {
        using var scope = TensorScope.Begin();
        var x = Random(_rng, 24);
        var t = T(x, 2, 3, 4);
        Close(x, t.View(6, 4), 0, "view");
        Close(x, t.Reshape(4, -1), 0, "reshape");
        // transpose(1, 2): out[a, c, b] = x[a, b, c]
        var tr = new double[24];
        for (var a = 0; a < 2; a++)
            for (var b = 0; b < 3; b++)
                for (var c = 0; c < 4; c++)
                    tr[a * 12 + c * 3 + b] = x[a * 12 + b * 4 + c];
        var transposed = t.Transpose(1, 2);
        Assert.False(transposed.IsContiguous);
        Close(tr, transposed.Contiguous(), 0, "transpose");
        // permute(2, 0, 1): out[c, a, b] = x[a, b, c]
        var pe = new double[24];
        for (var a = 0; a < 2; a++)
            for (var b = 0; b < 3; b++)
                for (var c = 0; c < 4; c++)
                    pe[c * 6 + a * 3 + b] = x[a * 12 + b * 4 + c];
        Close(pe, t.Permute(2, 0, 1), 0, "permute");
        // narrow(2, 1, 2): columns 1..2
        var na = new List<double>();
        for (var a = 0; a < 6; a++) na.AddRange(x.Skip(a * 4 + 1).Take(2));
        var narrow = t.Narrow(2, 1, 2);
        Assert.True(narrow.SharesStorageWith(t));
        Close(na.ToArray(), narrow, 0, "narrow");
        Close(x.Skip(12).Take(12).ToArray(), t.Select(0, 1), 0, "select");
        Close(x.Concat(x).ToArray(), Tensor.Cat([t, t], 0), 0, "cat");
        var st = new List<double>();
        for (var i = 0; i < 24; i++) st.AddRange([x[i], -x[i]]);
        Close(st.ToArray(), Tensor.Stack([t, t.Neg()], 3), 0, "stack");
        var row = T([1, 2, 3], 1, 3);
        Close([1, 2, 3, 1, 2, 3], row.Expand(2, 3), 0, "expand");
        Assert.Equal(new long[] { 2, 1, 3, 4 }, t.Unsqueeze(1).Shape);
        Assert.Equal(new long[] { 2, 3, 4 }, t.Unsqueeze(1).Squeeze(1).Shape);
        Assert.Equal(new long[] { 6, 4 }, t.Flatten(0, 1).Shape);
        Close([1, 1, 2, 2, 3, 3], row.RepeatInterleave(2, 1), 0, "repeat_interleave");
    }

    [Fact]
    public void Indexing_ops_pick_the_right_elements()
    {
        using var scope = TensorScope.Begin();
        var x = Random(_rng, 12);
        var t = T(x, 3, 4);
        var idx = Tensor.FromArray(new long[] { 2, 0, 2 });
        Close(x.Skip(8).Take(4).Concat(x.Take(4)).Concat(x.Skip(8).Take(4)).ToArray(), t.IndexSelect(0, idx), 0, "index_select");
        var gi = Tensor.FromArray(new long[] { 3, 0, 1, 1, 2, 2 }, 3, 2);
        Close([x[3], x[0], x[5], x[5], x[10], x[10]], t.Gather(1, gi), 0, "gather");
        var mask = Tensor.FromArray(new[] { true, false, false, true }, 1, 4);
        var filled = t.MaskedFill(mask, -7).ToDoubleArray();
        for (var i = 0; i < 12; i++) Assert.Equal(i % 4 is 0 or 3 ? -7 : x[i], filled[i]);
        var tri = new double[12];
        for (var r = 0; r < 3; r++)
            for (var c = 0; c < 4; c++)
                tri[r * 4 + c] = c >= r + 1 ? x[r * 4 + c] : 0;
        Close(tri, t.Triu(1), 0, "triu");
        var low = new double[12];
        for (var r = 0; r < 3; r++)
            for (var c = 0; c < 4; c++)
                low[r * 4 + c] = c <= r ? x[r * 4 + c] : 0;
        Close(low, t.Tril(), 0, "tril");
        var cond = t.Gt(0);
        Close(x.Select(v => v > 0 ? v : 2 * v).ToArray(), Tensor.Where(cond, t, t * 2), 0, "where");
    }

    [Fact]
    public void Arithmetic_broadcasts_like_numpy()
    {
        using var scope = TensorScope.Begin();
        var a = Random(_rng, 6);
        var b = Random(_rng, 3);
        var ta = T(a, 2, 3);
        var tb = T(b, 3);
        double[] Map(Func<double, double, double> f) => a.Select((v, i) => f(v, b[i % 3])).ToArray();
        Close(Map((x, y) => x + y), ta + tb, 0, "add");
        Close(Map((x, y) => x - y), ta - tb, 0, "sub");
        Close(Map((x, y) => x * y), ta * tb, 0, "mul");
        Close(Map((x, y) => x / y), ta / tb, 1e-15, "div");
        Close(a.Select(x => 3 - x).ToArray(), 3 - ta, 0, "rsub");
        Close(a.Select(x => x * 2 + 1).ToArray(), ta * 2 + 1, 0, "scalar ops");
        Close(a.Select(x => x * x * x).ToArray(), ta.Pow(3), 1e-15, "pow");
        Close(Map(Math.Max), ta.Maximum(tb), 0, "maximum");
        Close(Map(Math.Min), ta.Minimum(tb), 0, "minimum");
        Close(a.Select(Math.Exp).ToArray(), ta.Exp(), 1e-15, "exp");
        Close(a.Select(x => Math.Log(Math.Abs(x))).ToArray(), ta.Abs().Log(), 1e-15, "log");
        Close(a.Select(x => Math.Sqrt(Math.Abs(x))).ToArray(), ta.Abs().Sqrt(), 1e-15, "sqrt");
        Close(a.Select(x => 1 / Math.Sqrt(Math.Abs(x))).ToArray(), ta.Abs().Rsqrt(), 1e-15, "rsqrt");
        Close(a.Select(Math.Tanh).ToArray(), ta.Tanh(), 1e-15, "tanh");
        Close(a.Select(x => 1 / (1 + Math.Exp(-x))).ToArray(), ta.Sigmoid(), 1e-15, "sigmoid");
        Close(a.Select(Math.Sin).ToArray(), ta.Sin(), 1e-15, "sin");
        Close(a.Select(Math.Cos).ToArray(), ta.Cos(), 1e-15, "cos");
        Close(a.Select(x => Math.Clamp(x, -0.5, 0.5)).ToArray(), ta.Clamp(-0.5, 0.5), 0, "clamp");
        Close(a.Select(x => x > 0.1 ? 1.0 : 0.0).ToArray(), ta.Gt(0.1).To(DType.Float64), 0, "gt");
        var inplace = ta.Clone();
        inplace.Add_(tb).Mul_(2.0);
        Close(Map((x, y) => (x + y) * 2), inplace, 0, "in-place");
    }

    [Fact]
    public void Reductions_match_loops()
    {
        using var scope = TensorScope.Begin();
        var x = Random(_rng, 24);
        var t = T(x, 2, 3, 4);
        Close([x.Sum()], t.Sum(), 1e-15, "sum");
        var sum1 = new double[8];
        for (var a = 0; a < 2; a++)
            for (var b = 0; b < 3; b++)
                for (var c = 0; c < 4; c++)
                    sum1[a * 4 + c] += x[a * 12 + b * 4 + c];
        Close(sum1, t.Sum(1), 1e-15, "sum dim 1");
        Assert.Equal(new long[] { 2, 1, 4 }, t.Sum([1], keepDim: true).Shape);
        Close(sum1.Select(v => v / 3).ToArray(), t.Mean(1), 1e-15, "mean dim 1");
        Close([x.Average()], t.Mean(), 1e-15, "mean");
        var rows = Enumerable.Range(0, 6).Select(r => x.Skip(r * 4).Take(4).ToArray()).ToArray();
        Close(rows.Select(r => r.Max()).ToArray(), t.Amax(-1), 0, "amax");
        Close(rows.Select(r => r.Min()).ToArray(), t.Amin(-1), 0, "amin");
        Assert.Equal(rows.Select(r => (long)Array.IndexOf(r, r.Max())).ToArray(), t.ArgMax(-1).ToArray<long>());
        Close(rows.Select(r => Math.Log(r.Sum(Math.Exp))).ToArray(), t.LogSumExp(-1), 1e-15, "logsumexp");
        Close([Math.Sqrt(x.Sum(v => v * v))], t.Norm(), 1e-15, "norm");
        var cum = new double[24];
        for (var r = 0; r < 6; r++)
        {
            double s = 0;
            for (var c = 0; c < 4; c++) cum[r * 4 + c] = s += x[r * 4 + c];
        }
        Close(cum, t.CumSum(-1), 1e-15, "cumsum");
    }

    [Fact]
    public void Matrix_products_match_loops()
    {
        using var scope = TensorScope.Begin();
        var a = Random(_rng, 3 * 5);
        var b = Random(_rng, 5 * 4);
        Close(MatMul(a, b, 3, 5, 4), T(a, 3, 5).MatMul(T(b, 5, 4)), 1e-14, "matmul");
        Close(MatMul(a, b, 3, 5, 4), T(a, 3, 5).Mm(T(b, 5, 4)), 1e-14, "mm");
        var w = Random(_rng, 4 * 5);
        var bias = Random(_rng, 4);
        var lin = MatMul(a, Transpose(w, 4, 5), 3, 5, 4).Select((v, i) => v + bias[i % 4]).ToArray();
        Close(lin, Functional.Linear(T(a, 3, 5), T(w, 4, 5), T(bias, 4)), 1e-14, "linear");
        var c = Random(_rng, 2 * 3 * 4);
        var b1 = Random(_rng, 2 * 3 * 5);
        var b2 = Random(_rng, 2 * 5 * 4);
        var expected = new double[24];
        for (var n = 0; n < 2; n++)
        {
            var prod = MatMul(b1.Skip(n * 15).Take(15).ToArray(), b2.Skip(n * 20).Take(20).ToArray(), 3, 5, 4);
            for (var i = 0; i < 12; i++) expected[n * 12 + i] = 0.5 * c[n * 12 + i] + 2 * prod[i];
        }
        Close(expected, T(c, 2, 3, 4).BaddBmm(T(b1, 2, 3, 5), T(b2, 2, 5, 4), 0.5, 2), 1e-14, "baddbmm");
        var bmm = new double[24];
        for (var n = 0; n < 2; n++)
            MatMul(b1.Skip(n * 15).Take(15).ToArray(), b2.Skip(n * 20).Take(20).ToArray(), 3, 5, 4).CopyTo(bmm, n * 12);
        Close(bmm, T(b1, 2, 3, 5).Bmm(T(b2, 2, 5, 4)), 1e-14, "bmm");
        var m = Random(_rng, 12);
        Close(m.Select((v, i) => v + MatMul(a, b, 3, 5, 4)[i]).ToArray(), T(m, 3, 4).AddMm(T(a, 3, 5), T(b, 5, 4)), 1e-14, "addmm");
    }

    [Fact]
    public void Activations_softmax_and_norms_match_formulas()
    {
        using var scope = TensorScope.Begin();
        var x = Random(_rng, 24, 3);
        var t = T(x, 4, 6);
        Close(x.Select(v => Math.Max(v, 0)).ToArray(), t.Relu(), 0, "relu");
        Close(x.Select(v => v / (1 + Math.Exp(-v))).ToArray(), t.Silu(), 1e-15, "silu");
        Close(x.Select(Gelu).ToArray(), t.Gelu(), 1e-14, "gelu");
        Close(x.Select(GeluTanh).ToArray(), t.GeluTanh(), 1e-14, "gelu tanh");
        Close(Softmax(x, 4, 6), Functional.Softmax(t, -1), 1e-15, "softmax");
        Close(Softmax(x, 4, 6, log: true), Functional.LogSoftmax(t, -1), 1e-15, "log_softmax");
        var w = Random(_rng, 6);
        var b = Random(_rng, 6);
        Close(LayerNorm(x, 4, 6, w, b, 1e-5), Functional.LayerNorm(t, T(w, 6), T(b, 6), 1e-5), 1e-14, "layer_norm");
        // RMS norm computes in float32 by design (as HF Llama does), so compare at float32 precision.
        Close(RmsNorm(x, 4, 6, w, 1e-6), Functional.RmsNorm(T32(x, 4, 6), T32(w, 6), 1e-6), 1e-6, "rms_norm");
    }

    [Fact]
    public void Embedding_picks_rows()
    {
        using var scope = TensorScope.Begin();
        var w = Random(_rng, 5 * 3);
        var ids = Tensor.FromArray(new long[] { 4, 0, 4, 2 }, 2, 2);
        var e = Functional.Embedding(T(w, 5, 3), ids);
        Assert.Equal(new long[] { 2, 2, 3 }, e.Shape);
        Close(new[] { 4, 0, 4, 2 }.SelectMany(i => w.Skip(i * 3).Take(3)).ToArray(), e, 0, "embedding");
    }

    [Fact]
    public void Dropout_zeroes_a_fraction_and_rescales_and_is_identity_in_eval()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.Ones([100000], DType.Float64);
        using var gen = new Generator(3);
        var y = Functional.Dropout(x, 0.25, training: true, gen).ToDoubleArray();
        var zeros = y.Count(v => v == 0);
        Assert.InRange(zeros / 100000.0, 0.24, 0.26);
        Assert.All(y.Where(v => v != 0), v => Assert.Equal(1 / 0.75, v, 12));
        gen.Seed(3);
        Assert.Equal(y, Functional.Dropout(x, 0.25, training: true, gen).ToDoubleArray());
        Assert.All(Functional.Dropout(x, 0.25, training: false).ToDoubleArray(), v => Assert.Equal(1.0, v));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public void Attention_matches_the_reference(bool causal, bool withMask)
    {
        using var scope = TensorScope.Begin();
        const int B = 2, H = 3, L = 5, S = 5, D = 4;
        var q = Random(_rng, B * H * L * D);
        var k = Random(_rng, B * H * S * D);
        var v = Random(_rng, B * H * S * D);
        var maskBits = new bool[L * S];
        for (var i = 0; i < L; i++)
            for (var j = 0; j < S; j++)
                maskBits[i * S + j] = j == 0 || (i + j) % 3 != 0;
        Func<int, int, bool> keep = causal ? (i, j) => j <= i : withMask ? (i, j) => maskBits[i * S + j] : (_, _) => true;
        var expected = Attention(q, k, v, B * H, L, S, D, keep);
        var mask = withMask ? Tensor.FromArray(maskBits, L, S) : null;
        var o = Functional.ScaledDotProductAttention(T(q, B, H, L, D), T(k, B, H, S, D), T(v, B, H, S, D), mask, causal);
        Close(expected, o, 1e-13, "sdpa");
    }

    [Fact]
    public void Cross_entropy_ignores_targets_equal_to_the_ignore_index()
    {
        using var scope = TensorScope.Begin();
        var logits = Random(_rng, 4 * 7, 2);
        long[] target = [3, -100, 0, 6];
        var logp = Softmax(logits, 4, 7, log: true);
        var losses = target.Select((t, i) => t == -100 ? 0 : -logp[i * 7 + t]).ToArray();
        var ce = Functional.CrossEntropy(T(logits, 4, 7), Tensor.FromArray(target), -100);
        Close([losses.Sum() / 3], ce, 1e-14, "cross entropy mean");
        Close([losses.Sum()], Functional.CrossEntropy(T(logits, 4, 7), Tensor.FromArray(target), -100, Reduction.Sum), 1e-14, "sum");
        Close(losses, Functional.CrossEntropy(T(logits, 4, 7), Tensor.FromArray(target), -100, Reduction.None), 1e-14, "none");
    }

    [Fact]
    public void Dtype_conversion_rounds_like_ieee()
    {
        using var scope = TensorScope.Begin();
        var t = Tensor.FromArray(new float[] { 1.0f, 1.00390625f, 1.01171875f, -3.14159f, 65504f });
        // bf16 keeps 8 significant bits: 1 + 2^-8 ties to even (1.0), 1 + 3·2^-8 ties to even (1 + 2^-6).
        Assert.Equal(new[] { 1.0f, 1.0f, 1.015625f, -3.140625f, 65536f }, t.To(DType.BFloat16).ToFloatArray());
        Assert.Equal(DType.BFloat16, t.To(DType.BFloat16).DType);
        Assert.Equal(new[] { 1.0f, 1.00390625f, 1.01171875f, -3.140625f, 65504f }, t.To(DType.Float16).ToFloatArray());
        var bytes = new byte[10];
        t.To(DType.BFloat16).CopyTo(bytes);
        using var back = Tensor.FromBytes(bytes, DType.BFloat16, [5]);
        Assert.Equal(t.To(DType.BFloat16).ToFloatArray(), back.ToFloatArray());
    }

    [Fact]
    public void Cuda_queries_answer_without_a_gpu()
    {
        Assert.Equal(LibTorch.BuiltWithCuda && Cuda.DeviceCount > 0, Cuda.IsAvailable);
        if (!LibTorch.BuiltWithCuda)
        {
            var e = Assert.Throws<TorchException>(() => Cuda.Synchronize());
            Assert.Contains("no CUDA", e.Message);
        }
    }
}
