// Elementwise arithmetic, comparisons, reductions and matrix products.
#include "dst.h"

#define DST_UNARY(name, expr) \
    DST_EXPORT int32_t dst_tensor_##name(Tensor* a, Tensor** out) { DST_CATCH(*out = dst_wrap(expr)) }
#define DST_BINARY(name, expr) \
    DST_EXPORT int32_t dst_tensor_##name(Tensor* a, Tensor* b, Tensor** out) { DST_CATCH(*out = dst_wrap(expr)) }
#define DST_SCALAR(name, expr) \
    DST_EXPORT int32_t dst_tensor_##name(Tensor* a, double s, Tensor** out) { DST_CATCH(*out = dst_wrap(expr)) }
#define DST_INPLACE_BINARY(name, expr) \
    DST_EXPORT int32_t dst_tensor_##name(Tensor* a, Tensor* b) { DST_CATCH(expr) }
#define DST_INPLACE_SCALAR(name, expr) \
    DST_EXPORT int32_t dst_tensor_##name(Tensor* a, double s) { DST_CATCH(expr) }

// --- Unary

DST_UNARY(neg, a->neg())
DST_UNARY(exp, a->exp())
DST_UNARY(log, a->log())
DST_UNARY(sqrt, a->sqrt())
DST_UNARY(rsqrt, a->rsqrt())
DST_UNARY(abs, a->abs())
DST_UNARY(sin, a->sin())
DST_UNARY(cos, a->cos())
DST_UNARY(tanh, a->tanh())
DST_UNARY(sigmoid, a->sigmoid())
DST_UNARY(square, a->square())
DST_UNARY(reciprocal, a->reciprocal())
DST_UNARY(sign, a->sign())
DST_UNARY(logical_not, a->logical_not())
DST_UNARY(isfinite, a->isfinite())
DST_UNARY(relu, at::relu(*a))
DST_UNARY(silu, at::silu(*a))
DST_UNARY(gelu, at::gelu(*a))
DST_UNARY(gelu_tanh, at::gelu(*a, "tanh"))

// --- Binary, with broadcasting

DST_BINARY(add, a->add(*b))
DST_BINARY(sub, a->sub(*b))
DST_BINARY(mul, a->mul(*b))
DST_BINARY(div, a->div(*b))
DST_BINARY(pow, a->pow(*b))
DST_BINARY(maximum, at::maximum(*a, *b))
DST_BINARY(minimum, at::minimum(*a, *b))
DST_BINARY(eq, a->eq(*b))
DST_BINARY(ne, a->ne(*b))
DST_BINARY(lt, a->lt(*b))
DST_BINARY(le, a->le(*b))
DST_BINARY(gt, a->gt(*b))
DST_BINARY(ge, a->ge(*b))
DST_BINARY(logical_and, a->logical_and(*b))
DST_BINARY(logical_or, a->logical_or(*b))

DST_SCALAR(add_scalar, a->add(s))
DST_SCALAR(sub_scalar, a->sub(s))
DST_SCALAR(rsub_scalar, at::rsub(*a, s))
DST_SCALAR(mul_scalar, a->mul(s))
DST_SCALAR(div_scalar, a->div(s))
DST_SCALAR(pow_scalar, a->pow(s))
DST_SCALAR(eq_scalar, a->eq(s))
DST_SCALAR(ne_scalar, a->ne(s))
DST_SCALAR(lt_scalar, a->lt(s))
DST_SCALAR(le_scalar, a->le(s))
DST_SCALAR(gt_scalar, a->gt(s))
DST_SCALAR(ge_scalar, a->ge(s))

DST_INPLACE_BINARY(add_, a->add_(*b))
DST_INPLACE_BINARY(sub_, a->sub_(*b))
DST_INPLACE_BINARY(mul_, a->mul_(*b))
DST_INPLACE_BINARY(div_, a->div_(*b))
DST_INPLACE_SCALAR(add_scalar_, a->add_(s))
DST_INPLACE_SCALAR(mul_scalar_, a->mul_(s))

DST_EXPORT int32_t dst_tensor_clamp(Tensor* a, double min, double max, Tensor** out) {
    DST_CATCH(*out = dst_wrap(a->clamp(min, max)))
}

// --- Reductions (dims == null and ndim == 0 reduce over everything)

DST_EXPORT int32_t dst_tensor_sum(Tensor* a, const int64_t* dims, int32_t ndim, int32_t keepdim, Tensor** out) {
    DST_CATCH(*out = dst_wrap(ndim == 0 ? a->sum() : a->sum(dst_dims(dims, ndim), keepdim != 0)))
}

DST_EXPORT int32_t dst_tensor_mean(Tensor* a, const int64_t* dims, int32_t ndim, int32_t keepdim, Tensor** out) {
    DST_CATCH(*out = dst_wrap(ndim == 0 ? a->mean() : a->mean(dst_dims(dims, ndim), keepdim != 0)))
}

DST_EXPORT int32_t dst_tensor_amax(Tensor* a, const int64_t* dims, int32_t ndim, int32_t keepdim, Tensor** out) {
    DST_CATCH(*out = dst_wrap(a->amax(dst_dims(dims, ndim), keepdim != 0)))
}

DST_EXPORT int32_t dst_tensor_amin(Tensor* a, const int64_t* dims, int32_t ndim, int32_t keepdim, Tensor** out) {
    DST_CATCH(*out = dst_wrap(a->amin(dst_dims(dims, ndim), keepdim != 0)))
}

DST_EXPORT int32_t dst_tensor_argmax(Tensor* a, int64_t dim, int32_t keepdim, Tensor** out) {
    DST_CATCH(*out = dst_wrap(a->argmax(dim, keepdim != 0)))
}

DST_EXPORT int32_t dst_tensor_logsumexp(Tensor* a, int64_t dim, int32_t keepdim, Tensor** out) {
    DST_CATCH(*out = dst_wrap(a->logsumexp(dim, keepdim != 0)))
}

DST_EXPORT int32_t dst_tensor_norm(Tensor* a, double p, Tensor** out) { DST_CATCH(*out = dst_wrap(a->norm(p))) }

DST_EXPORT int32_t dst_tensor_cumsum(Tensor* a, int64_t dim, Tensor** out) {
    DST_CATCH(*out = dst_wrap(a->cumsum(dim)))
}

// --- Matrix products

DST_BINARY(matmul, a->matmul(*b))
DST_BINARY(mm, a->mm(*b))
DST_BINARY(bmm, a->bmm(*b))

DST_EXPORT int32_t dst_tensor_baddbmm(Tensor* self, Tensor* b1, Tensor* b2, double beta, double alpha, Tensor** out) {
    DST_CATCH(*out = dst_wrap(self->baddbmm(*b1, *b2, beta, alpha)))
}

DST_EXPORT int32_t dst_tensor_addmm(Tensor* self, Tensor* m1, Tensor* m2, double beta, double alpha, Tensor** out) {
    DST_CATCH(*out = dst_wrap(self->addmm(*m1, *m2, beta, alpha)))
}

// --- Selection and sampling

DST_EXPORT int32_t dst_tensor_topk(Tensor* a, int64_t k, int64_t dim, Tensor** values, Tensor** indices) {
    DST_CATCH({
        auto [v, i] = a->topk(k, dim);
        *values = dst_wrap(std::move(v));
        *indices = dst_wrap(std::move(i));
    })
}

// One sample per row of (N, C) non-negative weights.
DST_EXPORT int32_t dst_tensor_multinomial(Tensor* probs, int64_t samples, at::Generator* gen, Tensor** out) {
    DST_CATCH(*out = dst_wrap(at::multinomial(*probs, samples, false,
                                              gen ? dst_optional<at::Generator>(*gen) : dst_optional<at::Generator>())))
}
