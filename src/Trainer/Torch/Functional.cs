using Distributed.Trainer.Torch.Interop;
using static Distributed.Trainer.Torch.Interop.NativeMethods;

namespace Distributed.Trainer.Torch;

/// <summary>Neural-network functions (mirrors Native/dst_nn.cpp). Modules compose these.</summary>
public static unsafe class Functional
{
    /// <summary>x @ weight^T + bias, with weight (out, in).</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null) =>
        Check.Result(dst_nn_linear(x.Handle, weight.Handle, Tensor.HandleOrNull(bias), out var h), h, nameof(Linear));

    /// <summary>Layer norm over the last dimension.</summary>
    public static Tensor LayerNorm(Tensor x, Tensor? weight, Tensor? bias, double eps = 1e-5)
    {
        var last = x.Size(-1);
        return Check.Result(dst_nn_layer_norm(x.Handle, &last, 1, Tensor.HandleOrNull(weight), Tensor.HandleOrNull(bias), eps, out var h), h, nameof(LayerNorm));
    }

    /// <summary>RMS norm over the last dimension, in float32 and cast back before the weight (as HF Llama does).</summary>
    public static Tensor RmsNorm(Tensor x, Tensor? weight, double eps = 1e-6) =>
        Check.Result(dst_nn_rms_norm(x.Handle, Tensor.HandleOrNull(weight), eps, out var h), h, nameof(RmsNorm));

    /// <summary>Rows of <paramref name="weight"/> picked by integer ids; padding row gets no gradient.</summary>
    public static Tensor Embedding(Tensor weight, Tensor ids, long paddingIdx = -1) =>
        Check.Result(dst_nn_embedding(weight.Handle, ids.Handle, paddingIdx, out var h), h, nameof(Embedding));

    public static Tensor Dropout(Tensor x, double p, bool training, Generator? generator = null) =>
        Check.Result(dst_nn_dropout(x.Handle, p, training ? 1 : 0, generator?.Handle ?? GeneratorHandle.Null, out var h), h, nameof(Dropout));

    public static Tensor Softmax(Tensor x, long dim, DType? dtype = null) =>
        Check.Result(dst_nn_softmax(x.Handle, dim, dtype is null ? -1 : (int)dtype, out var h), h, nameof(Softmax));

    public static Tensor LogSoftmax(Tensor x, long dim, DType? dtype = null) =>
        Check.Result(dst_nn_log_softmax(x.Handle, dim, dtype is null ? -1 : (int)dtype, out var h), h, nameof(LogSoftmax));

    /// <summary>
    /// Attention of (B, H, L, D) queries over (B, H, S, D) keys and values. <paramref name="mask"/>: bool
    /// (true = may attend) or additive float, broadcastable to (B, H, L, S). Causal is PyTorch's top-left
    /// aligned triangle. Fused kernels where libtorch has them (>= 2.1).
    /// </summary>
    public static Tensor ScaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor? mask = null, bool causal = false,
        double dropoutP = 0, double? scale = null) =>
        Check.Result(dst_nn_sdpa(q.Handle, k.Handle, v.Handle, Tensor.HandleOrNull(mask), dropoutP, causal ? 1 : 0, scale ?? 0, out var h), h,
            nameof(ScaledDotProductAttention));

    /// <summary>Cross-entropy of (N, C) logits against (N) class ids; targets equal to ignoreIndex count for nothing.</summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor target, long ignoreIndex = -100, Reduction reduction = Reduction.Mean,
        double labelSmoothing = 0) =>
        Check.Result(dst_nn_cross_entropy(logits.Handle, target.Handle, ignoreIndex, (int)reduction, labelSmoothing, out var h), h,
            nameof(CrossEntropy));
}

public enum Reduction
{
    None = 0,
    Mean = 1,
    Sum = 2,
}
