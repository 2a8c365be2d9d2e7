// Autograd: leaf flags, gradients, backward, detach and the thread-local grad mode.
#include "dst.h"

DST_EXPORT int32_t dst_autograd_set_requires_grad(Tensor* t, int32_t requires_grad) {
    DST_CATCH(t->set_requires_grad(requires_grad != 0))
}

DST_EXPORT int32_t dst_autograd_requires_grad(Tensor* t, int32_t* out) { DST_CATCH(*out = t->requires_grad()) }

DST_EXPORT int32_t dst_autograd_is_leaf(Tensor* t, int32_t* out) { DST_CATCH(*out = t->is_leaf()) }

// *out is null when the tensor has no gradient yet.
DST_EXPORT int32_t dst_autograd_grad(Tensor* t, Tensor** out) {
    DST_CATCH({
        const Tensor& g = t->grad();
        *out = g.defined() ? dst_wrap(Tensor(g)) : nullptr;
    })
}

// Sets (or with null clears) the gradient. A view of a flat buffer stays a view: backward accumulates
// into it in place, which is how parameters keep their gradients in flat buckets.
DST_EXPORT int32_t dst_autograd_set_grad(Tensor* t, Tensor* grad) {
    DST_CATCH(t->mutable_grad() = grad ? *grad : Tensor())
}

DST_EXPORT int32_t dst_autograd_backward(Tensor* t, Tensor* grad, int32_t retain_graph) {
    DST_CATCH(t->backward(grad ? *grad : Tensor(), retain_graph != 0))
}

DST_EXPORT int32_t dst_autograd_detach(Tensor* t, Tensor** out) { DST_CATCH(*out = dst_wrap(t->detach())) }

DST_EXPORT int32_t dst_autograd_is_grad_enabled(int32_t* out) { DST_CATCH(*out = at::GradMode::is_enabled()) }

DST_EXPORT int32_t dst_autograd_set_grad_enabled(int32_t enabled) { DST_CATCH(at::GradMode::set_enabled(enabled != 0)) }
