using Distributed.Trainer.Torch;
using static Distributed.Trainer.Tests.Torch.Ref;

namespace Distributed.Trainer.Tests.Torch;

// Gradients of every differentiable op the models use, against central finite differences in float64.
public sealed class GradientTests
{
    private readonly Random _rng = new(7);

    private double[] R(int n, double scale = 1) => Ref.Random(_rng, n, scale);

    [Fact]
    public void Elementwise_and_broadcast_ops()
    {
        GradCheck(x => x[0] * x[1] + x[0] / (x[1] * x[1] + 1) - x[1].Exp(), [R(6), R(3)], [[2, 3], [3]], what: "arith");
        GradCheck(x => x[0].Tanh() + x[0].Sigmoid() + (x[0] * x[0] + 1).Log() + (x[0] * x[0] + 1).Rsqrt(), [R(5)], [[5]], what: "unary");
        GradCheck(x => x[0].Pow(3) + x[0].Square() + x[0].Sin() * x[0].Cos(), [R(5)], [[5]], what: "pow, trig");
    }

    [Fact]
    public void Activations()
    {
        // Away from 0 where relu has its kink.
        var x = R(8, 2).Select(v => v + Math.Sign(v) * 0.1).ToArray();
        GradCheck(t => t[0].Relu(), [x], [[8]], what: "relu");
        GradCheck(t => t[0].Gelu(), [x], [[8]], what: "gelu");
        GradCheck(t => t[0].GeluTanh(), [x], [[8]], what: "gelu tanh");
        GradCheck(t => t[0].Silu(), [x], [[8]], what: "silu");
    }

    [Fact]
    public void Reductions_and_shape_ops()
    {
        GradCheck(x => x[0].Sum([1], keepDim: true) * x[0].Mean(0), [R(12)], [[3, 4]], what: "sum, mean");
        GradCheck(x => x[0].LogSumExp(-1), [R(12)], [[3, 4]], what: "logsumexp");
        GradCheck(x => x[0].Transpose(0, 1).Reshape(2, 6).Narrow(1, 1, 4).Permute(1, 0).Contiguous(), [R(12)], [[3, 4]], what: "views");
        GradCheck(x => Tensor.Cat([x[0], x[1]], 0).Unsqueeze(0).Expand(2, 5, 4) * 1.5, [R(12), R(8)], [[3, 4], [2, 4]], what: "cat, expand");
        GradCheck(x => Tensor.Stack([x[0], x[1].Neg()], 1).Flatten(), [R(6), R(6)], [[2, 3], [2, 3]], what: "stack");
        var mask = Tensor.FromArray(new[] { true, false, true, false }, 1, 4);
        GradCheck(x => x[0].MaskedFill(mask, 0.5).Triu(1), [R(12)], [[3, 4]], what: "masked_fill, triu");
        var idx = Tensor.FromArray(new long[] { 2, 0, 2 });
        GradCheck(x => x[0].IndexSelect(0, idx), [R(12)], [[3, 4]], what: "index_select");
        var gi = Tensor.FromArray(new long[] { 3, 0, 1, 1, 2, 2 }, 3, 2);
        GradCheck(x => x[0].Gather(1, gi), [R(12)], [[3, 4]], what: "gather");
        GradCheck(x => x[0].RepeatInterleave(2, 0), [R(6)], [[2, 3]], what: "repeat_interleave");
    }

    [Fact]
    public void Matrix_products()
    {
        GradCheck(x => x[0].MatMul(x[1]), [R(6), R(12)], [[2, 3], [3, 4]], what: "matmul");
        GradCheck(x => Functional.Linear(x[0], x[1], x[2]), [R(6), R(12), R(4)], [[2, 3], [4, 3], [4]], what: "linear");
        GradCheck(x => x[0].BaddBmm(x[1], x[2], 0.5, 2), [R(2 * 2 * 4), R(2 * 2 * 3), R(2 * 3 * 4)], [[2, 2, 4], [2, 2, 3], [2, 3, 4]],
            what: "baddbmm");
    }

    [Fact]
    public void Norms_softmax_embedding()
    {
        GradCheck(x => Functional.LayerNorm(x[0], x[1], x[2], 1e-5), [R(12), R(4), R(4)], [[3, 4], [4], [4]], what: "layer_norm", tol: 1e-5);
        GradCheck(x => Functional.Softmax(x[0], -1), [R(12)], [[3, 4]], what: "softmax");
        GradCheck(x => Functional.LogSoftmax(x[0], -1), [R(12)], [[3, 4]], what: "log_softmax");
        var ids = Tensor.FromArray(new long[] { 1, 3, 1 });
        GradCheck(x => Functional.Embedding(x[0], ids), [R(8)], [[4, 2]], what: "embedding");
    }

    [Fact]
    public void Rms_norm_in_float32_has_the_right_gradient()
    {
        // The op computes in float32 by design; check it with a float32-sized step and tolerance.
        using var scope = TensorScope.Begin();
        var x = R(12);
        var w = R(4);
        var xt = T32(x, 3, 4).RequiresGrad_();
        var wt = T32(w, 4).RequiresGrad_();
        Functional.RmsNorm(xt, wt, 1e-6).Square().Sum().Backward();
        // d/dx sum(y^2) with y = x / rms(x) * w, in float64 by hand.
        var gx = new double[12];
        var gw = new double[4];
        for (var r = 0; r < 3; r++)
        {
            var row = x.Skip(r * 4).Take(4).ToArray();
            var ms = row.Sum(v => v * v) / 4 + 1e-6;
            var inv = 1 / Math.Sqrt(ms);
            var dy = row.Select((v, c) => 2 * v * inv * w[c]).ToArray();
            var dot = row.Select((v, c) => dy[c] * w[c] * v).Sum();
            for (var c = 0; c < 4; c++)
            {
                gx[r * 4 + c] = inv * w[c] * dy[c] - inv * inv * inv * row[c] * dot / 4;
                gw[c] += dy[c] * row[c] * inv;
            }
        }
        Close(gx, xt.Grad()!, 1e-5, "rms_norm dx");
        Close(gw, wt.Grad()!, 1e-5, "rms_norm dw");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Attention(bool causal)
    {
        var mask = causal ? null : Tensor.FromArray(new[] { true, false, true, true, true, false, true, true, true }, 3, 3);
        GradCheck(x => Functional.ScaledDotProductAttention(x[0], x[1], x[2], mask, causal),
            [R(2 * 3 * 4), R(2 * 3 * 4), R(2 * 3 * 4)], [[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]], what: "sdpa");
    }

    [Fact]
    public void Cross_entropy_with_ignored_targets()
    {
        var target = Tensor.FromArray(new long[] { 2, -100, 0 });
        GradCheck(x => Functional.CrossEntropy(x[0], target), [R(12)], [[3, 4]], what: "cross entropy");
    }

    [Fact]
    public void Detach_and_no_grad_cut_the_graph()
    {
        using var scope = TensorScope.Begin();
        var x = T([1, 2, 3], 3).RequiresGrad_();
        var y = x * x.Detach();
        y.Sum().Backward();
        Close([1, 2, 3], x.Grad()!, 0, "grad through one factor only");
        Assert.True(x.IsLeaf);
        Assert.False(y.IsLeaf);
        using (NoGradScope.Begin())
        {
            Assert.False(NoGradScope.IsGradEnabled);
            Assert.False((x * 2).RequiresGrad);
        }
        Assert.True(NoGradScope.IsGradEnabled);
        Assert.True((x * 2).RequiresGrad);
    }

    [Fact]
    public void Backward_accumulates_into_an_existing_grad_view_in_place()
    {
        using var scope = TensorScope.Begin();
        var flat = Tensor.Zeros([6], DType.Float64);
        var x = T([1, 2, 3], 3).RequiresGrad_();
        x.SetGrad(flat.Narrow(0, 2, 3));
        (x * x).Sum().Backward();
        (x * 3).Sum().Backward();
        Close([0, 0, 5, 7, 9, 0], flat, 0, "flat buffer received 2x + 3");
    }
}
