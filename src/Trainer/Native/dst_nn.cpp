// Neural-network functions: linear, norms, embedding, dropout, activations with a dim, attention, losses.
#include "dst.h"

#include <cmath>

DST_EXPORT int32_t dst_nn_linear(Tensor* x, Tensor* weight, Tensor* bias, Tensor** out) {
    DST_CATCH(*out = dst_wrap(at::linear(*x, *weight, dst_opt(bias))))
}

DST_EXPORT int32_t dst_nn_layer_norm(Tensor* x, const int64_t* dims, int32_t ndim, Tensor* weight, Tensor* bias,
                                     double eps, Tensor** out) {
    DST_CATCH(*out = dst_wrap(at::layer_norm(*x, dst_dims(dims, ndim), dst_opt(weight), dst_opt(bias), eps)))
}

// RMS norm over the last dimension, computed in float32 and cast back before the weight is applied,
// exactly as Hugging Face's LlamaRMSNorm does (so bf16 results match it bit for bit in structure).
DST_EXPORT int32_t dst_nn_rms_norm(Tensor* x, Tensor* weight, double eps, Tensor** out) {
    DST_CATCH({
        Tensor xf = x->to(at::kFloat);
        Tensor variance = xf.pow(2).mean(-1, /*keepdim=*/true);
        Tensor y = (xf * at::rsqrt(variance + eps)).to(x->scalar_type());
        *out = dst_wrap(weight ? *weight * y : y);
    })
}

DST_EXPORT int32_t dst_nn_embedding(Tensor* weight, Tensor* ids, int64_t padding_idx, Tensor** out) {
    DST_CATCH(*out = dst_wrap(at::embedding(*weight, *ids, padding_idx)))
}

DST_EXPORT int32_t dst_nn_dropout(Tensor* x, double p, int32_t train, at::Generator* gen, Tensor** out) {
    DST_CATCH({
        if (!train || p == 0.0) {
            *out = dst_wrap(Tensor(*x));
        } else if (!gen) {
            *out = dst_wrap(at::dropout(*x, p, true));
        } else {
            TORCH_CHECK(p > 0.0 && p < 1.0, "dropout: probability must be in [0, 1), got ", p);
            Tensor keep = at::empty_like(*x).bernoulli_(1.0 - p, *gen);
            *out = dst_wrap(*x * keep / (1.0 - p));
        }
    })
}

DST_EXPORT int32_t dst_nn_softmax(Tensor* x, int64_t dim, int32_t dtype, Tensor** out) {
    DST_CATCH(*out = dst_wrap(dtype < 0 ? at::softmax(*x, dim) : at::softmax(*x, dim, (at::ScalarType)dtype)))
}

DST_EXPORT int32_t dst_nn_log_softmax(Tensor* x, int64_t dim, int32_t dtype, Tensor** out) {
    DST_CATCH(
        *out = dst_wrap(dtype < 0 ? at::log_softmax(*x, dim) : at::log_softmax(*x, dim, (at::ScalarType)dtype)))
}

// Attention over (B, H, L, D) queries and (B, H, S, D) keys/values. mask: bool (true = attend) or additive
// float, broadcastable to (B, H, L, S); causal: top-left aligned lower triangle, as PyTorch defines it.
// scale <= 0 means 1/sqrt(D). libtorch >= 2.1 runs its fused kernels; older versions the same math unfused.
DST_EXPORT int32_t dst_nn_sdpa(Tensor* q, Tensor* k, Tensor* v, Tensor* mask, double dropout_p, int32_t causal,
                               double scale, Tensor** out) {
    DST_CATCH({
#if DST_VERSION_AT_LEAST(2, 1)
        dst_optional<double> s = scale > 0 ? dst_optional<double>(scale) : dst_nullopt;
        *out = dst_wrap(at::scaled_dot_product_attention(*q, *k, *v, dst_opt(mask), dropout_p, causal != 0, s));
#else
        double s = scale > 0 ? scale : 1.0 / std::sqrt((double)q->size(-1));
        Tensor scores = at::matmul(*q, k->transpose(-2, -1)) * s;  // (B, H, L, S)
        if (causal) {
            Tensor keep = at::ones({q->size(-2), k->size(-2)}, q->options().dtype(at::kBool)).tril();
            scores = scores.masked_fill(keep.logical_not(), -std::numeric_limits<double>::infinity());
        }
        if (mask) {
            if (mask->scalar_type() == at::kBool)
                scores = scores.masked_fill(mask->logical_not(), -std::numeric_limits<double>::infinity());
            else
                scores = scores + *mask;
        }
        Tensor probs = at::softmax(scores, -1);
        if (dropout_p > 0) probs = at::dropout(probs, dropout_p, true);
        *out = dst_wrap(at::matmul(probs, *v));  // (B, H, L, D)
#endif
    })
}

// reduction: 0 none, 1 mean (over targets that are not ignore_index), 2 sum.
DST_EXPORT int32_t dst_nn_cross_entropy(Tensor* logits, Tensor* target, int64_t ignore_index, int32_t reduction,
                                        double label_smoothing, Tensor** out) {
    DST_CATCH(*out = dst_wrap(at::cross_entropy_loss(*logits, *target, {}, reduction, ignore_index, label_smoothing)))
}
