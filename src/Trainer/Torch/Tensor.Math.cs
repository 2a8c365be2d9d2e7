using Distributed.Trainer.Torch.Interop;
using static Distributed.Trainer.Torch.Interop.NativeMethods;

namespace Distributed.Trainer.Torch;

// Elementwise arithmetic, comparisons, reductions and matrix products (mirrors Native/dst_math.cpp).
public sealed unsafe partial class Tensor
{
    public Tensor Neg() => Check.Result(dst_tensor_neg(Handle, out var h), h, nameof(Neg));
    public Tensor Exp() => Check.Result(dst_tensor_exp(Handle, out var h), h, nameof(Exp));
    public Tensor Log() => Check.Result(dst_tensor_log(Handle, out var h), h, nameof(Log));
    public Tensor Sqrt() => Check.Result(dst_tensor_sqrt(Handle, out var h), h, nameof(Sqrt));
    public Tensor Rsqrt() => Check.Result(dst_tensor_rsqrt(Handle, out var h), h, nameof(Rsqrt));
    public Tensor Abs() => Check.Result(dst_tensor_abs(Handle, out var h), h, nameof(Abs));
    public Tensor Sin() => Check.Result(dst_tensor_sin(Handle, out var h), h, nameof(Sin));
    public Tensor Cos() => Check.Result(dst_tensor_cos(Handle, out var h), h, nameof(Cos));
    public Tensor Tanh() => Check.Result(dst_tensor_tanh(Handle, out var h), h, nameof(Tanh));
    public Tensor Sigmoid() => Check.Result(dst_tensor_sigmoid(Handle, out var h), h, nameof(Sigmoid));
    public Tensor Square() => Check.Result(dst_tensor_square(Handle, out var h), h, nameof(Square));
    public Tensor Reciprocal() => Check.Result(dst_tensor_reciprocal(Handle, out var h), h, nameof(Reciprocal));
    public Tensor Sign() => Check.Result(dst_tensor_sign(Handle, out var h), h, nameof(Sign));
    public Tensor LogicalNot() => Check.Result(dst_tensor_logical_not(Handle, out var h), h, nameof(LogicalNot));
    public Tensor IsFinite() => Check.Result(dst_tensor_isfinite(Handle, out var h), h, nameof(IsFinite));
    public Tensor Relu() => Check.Result(dst_tensor_relu(Handle, out var h), h, nameof(Relu));
    public Tensor Silu() => Check.Result(dst_tensor_silu(Handle, out var h), h, nameof(Silu));
    public Tensor Gelu() => Check.Result(dst_tensor_gelu(Handle, out var h), h, nameof(Gelu));
    public Tensor GeluTanh() => Check.Result(dst_tensor_gelu_tanh(Handle, out var h), h, nameof(GeluTanh));
    public Tensor Add(Tensor other) => Check.Result(dst_tensor_add(Handle, other.Handle, out var h), h, nameof(Add));
    public Tensor Sub(Tensor other) => Check.Result(dst_tensor_sub(Handle, other.Handle, out var h), h, nameof(Sub));
    public Tensor Mul(Tensor other) => Check.Result(dst_tensor_mul(Handle, other.Handle, out var h), h, nameof(Mul));
    public Tensor Div(Tensor other) => Check.Result(dst_tensor_div(Handle, other.Handle, out var h), h, nameof(Div));
    public Tensor Pow(Tensor other) => Check.Result(dst_tensor_pow(Handle, other.Handle, out var h), h, nameof(Pow));
    public Tensor Maximum(Tensor other) => Check.Result(dst_tensor_maximum(Handle, other.Handle, out var h), h, nameof(Maximum));
    public Tensor Minimum(Tensor other) => Check.Result(dst_tensor_minimum(Handle, other.Handle, out var h), h, nameof(Minimum));
    public Tensor Eq(Tensor other) => Check.Result(dst_tensor_eq(Handle, other.Handle, out var h), h, nameof(Eq));
    public Tensor Ne(Tensor other) => Check.Result(dst_tensor_ne(Handle, other.Handle, out var h), h, nameof(Ne));
    public Tensor Lt(Tensor other) => Check.Result(dst_tensor_lt(Handle, other.Handle, out var h), h, nameof(Lt));
    public Tensor Le(Tensor other) => Check.Result(dst_tensor_le(Handle, other.Handle, out var h), h, nameof(Le));
    public Tensor Gt(Tensor other) => Check.Result(dst_tensor_gt(Handle, other.Handle, out var h), h, nameof(Gt));
    public Tensor Ge(Tensor other) => Check.Result(dst_tensor_ge(Handle, other.Handle, out var h), h, nameof(Ge));
    public Tensor LogicalAnd(Tensor other) => Check.Result(dst_tensor_logical_and(Handle, other.Handle, out var h), h, nameof(LogicalAnd));
    public Tensor LogicalOr(Tensor other) => Check.Result(dst_tensor_logical_or(Handle, other.Handle, out var h), h, nameof(LogicalOr));
    public Tensor Add(double other) => Check.Result(dst_tensor_add_scalar(Handle, other, out var h), h, nameof(Add));
    public Tensor Sub(double other) => Check.Result(dst_tensor_sub_scalar(Handle, other, out var h), h, nameof(Sub));
    public Tensor RSub(double other) => Check.Result(dst_tensor_rsub_scalar(Handle, other, out var h), h, nameof(RSub));
    public Tensor Mul(double other) => Check.Result(dst_tensor_mul_scalar(Handle, other, out var h), h, nameof(Mul));
    public Tensor Div(double other) => Check.Result(dst_tensor_div_scalar(Handle, other, out var h), h, nameof(Div));
    public Tensor Pow(double other) => Check.Result(dst_tensor_pow_scalar(Handle, other, out var h), h, nameof(Pow));
    public Tensor Eq(double other) => Check.Result(dst_tensor_eq_scalar(Handle, other, out var h), h, nameof(Eq));
    public Tensor Ne(double other) => Check.Result(dst_tensor_ne_scalar(Handle, other, out var h), h, nameof(Ne));
    public Tensor Lt(double other) => Check.Result(dst_tensor_lt_scalar(Handle, other, out var h), h, nameof(Lt));
    public Tensor Le(double other) => Check.Result(dst_tensor_le_scalar(Handle, other, out var h), h, nameof(Le));
    public Tensor Gt(double other) => Check.Result(dst_tensor_gt_scalar(Handle, other, out var h), h, nameof(Gt));
    public Tensor Ge(double other) => Check.Result(dst_tensor_ge_scalar(Handle, other, out var h), h, nameof(Ge));
    public Tensor Add_(Tensor other)
    {
        Check.Ok(dst_tensor_add_(Handle, other.Handle), nameof(Add_));
        return this;
    }

    public Tensor Sub_(Tensor other)
    {
        Check.Ok(dst_tensor_sub_(Handle, other.Handle), nameof(Sub_));
        return this;
    }

    public Tensor Mul_(Tensor other)
    {
        Check.Ok(dst_tensor_mul_(Handle, other.Handle), nameof(Mul_));
        return this;
    }

    public Tensor Div_(Tensor other)
    {
        Check.Ok(dst_tensor_div_(Handle, other.Handle), nameof(Div_));
        return this;
    }

    public Tensor Add_(double other)
    {
        Check.Ok(dst_tensor_add_scalar_(Handle, other), nameof(Add_));
        return this;
    }

    public Tensor Mul_(double other)
    {
        Check.Ok(dst_tensor_mul_scalar_(Handle, other), nameof(Mul_));
        return this;
    }

    public Tensor MatMul(Tensor other) => Check.Result(dst_tensor_matmul(Handle, other.Handle, out var h), h, nameof(MatMul));
    public Tensor Mm(Tensor other) => Check.Result(dst_tensor_mm(Handle, other.Handle, out var h), h, nameof(Mm));
    public Tensor Bmm(Tensor other) => Check.Result(dst_tensor_bmm(Handle, other.Handle, out var h), h, nameof(Bmm));

    public Tensor Clamp(double min, double max) => Check.Result(dst_tensor_clamp(Handle, min, max, out var h), h, nameof(Clamp));

    // --- Reductions: no dims reduces over every element.

    public Tensor Sum(params long[] dims) => Sum(dims, keepDim: false);

    public Tensor Sum(long[] dims, bool keepDim)
    {
        fixed (long* d = dims) return Check.Result(dst_tensor_sum(Handle, d, dims.Length, keepDim ? 1 : 0, out var h), h, nameof(Sum));
    }

    public Tensor Mean(params long[] dims) => Mean(dims, keepDim: false);

    public Tensor Mean(long[] dims, bool keepDim)
    {
        fixed (long* d = dims) return Check.Result(dst_tensor_mean(Handle, d, dims.Length, keepDim ? 1 : 0, out var h), h, nameof(Mean));
    }

    public Tensor Amax(long dim, bool keepDim = false) =>
        Check.Result(dst_tensor_amax(Handle, &dim, 1, keepDim ? 1 : 0, out var h), h, nameof(Amax));

    public Tensor Amin(long dim, bool keepDim = false) =>
        Check.Result(dst_tensor_amin(Handle, &dim, 1, keepDim ? 1 : 0, out var h), h, nameof(Amin));

    public Tensor ArgMax(long dim, bool keepDim = false) =>
        Check.Result(dst_tensor_argmax(Handle, dim, keepDim ? 1 : 0, out var h), h, nameof(ArgMax));

    public Tensor LogSumExp(long dim, bool keepDim = false) =>
        Check.Result(dst_tensor_logsumexp(Handle, dim, keepDim ? 1 : 0, out var h), h, nameof(LogSumExp));

    public Tensor Norm(double p = 2) => Check.Result(dst_tensor_norm(Handle, p, out var h), h, nameof(Norm));

    public Tensor CumSum(long dim) => Check.Result(dst_tensor_cumsum(Handle, dim, out var h), h, nameof(CumSum));

    // --- Selection and sampling

    /// <summary>The k largest values along a dimension (descending) and their indices.</summary>
    public (Tensor Values, Tensor Indices) TopK(long k, long dim = -1)
    {
        var rc = dst_tensor_topk(Handle, k, dim, out var v, out var i);
        if (rc != 0)
        {
            v.Dispose();
            i.Dispose();
            Check.Throw(nameof(TopK));
        }
        return (new Tensor(v), new Tensor(i));
    }

    /// <summary>Indices drawn from each row of (N, C) non-negative weights, without replacement.</summary>
    public Tensor Multinomial(long samples, Generator? generator = null) =>
        Check.Result(dst_tensor_multinomial(Handle, samples, generator?.Handle ?? GeneratorHandle.Null, out var h), h, nameof(Multinomial));

    // --- Matrix products

    /// <summary>beta * this + alpha * (b1 @ b2), batched.</summary>
    public Tensor BaddBmm(Tensor b1, Tensor b2, double beta = 1, double alpha = 1) =>
        Check.Result(dst_tensor_baddbmm(Handle, b1.Handle, b2.Handle, beta, alpha, out var h), h, nameof(BaddBmm));

    /// <summary>beta * this + alpha * (m1 @ m2).</summary>
    public Tensor AddMm(Tensor m1, Tensor m2, double beta = 1, double alpha = 1) =>
        Check.Result(dst_tensor_addmm(Handle, m1.Handle, m2.Handle, beta, alpha, out var h), h, nameof(AddMm));

    // --- Operators

    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);
    public static Tensor operator +(Tensor a, double b) => a.Add(b);
    public static Tensor operator -(Tensor a, double b) => a.Sub(b);
    public static Tensor operator *(Tensor a, double b) => a.Mul(b);
    public static Tensor operator /(Tensor a, double b) => a.Div(b);
    public static Tensor operator +(double a, Tensor b) => b.Add(a);
    public static Tensor operator -(double a, Tensor b) => b.RSub(a);
    public static Tensor operator *(double a, Tensor b) => b.Mul(a);
    public static Tensor operator -(Tensor a) => a.Neg();
}
