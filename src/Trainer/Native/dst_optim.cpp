// Optimizer kernels: AdamW over lists of tensors (fused where libtorch has it), gradient-norm clipping.
#include "dst.h"

#include <cmath>

#if DST_VERSION_AT_LEAST(2, 0)
static bool dst_can_fuse_adamw(const std::vector<Tensor>& params) {
#if DST_VERSION_AT_LEAST(2, 4)
    return true;  // CPU and CUDA
#else
    for (const auto& p : params)
        if (!p.is_cuda()) return false;
    return true;
#endif
}
#endif

// One AdamW step (decoupled weight decay, PyTorch's formulation) for n parameters. step is the 1-based
// step count after this update. Returns in *fused whether the fused kernel ran.
DST_EXPORT int32_t dst_optim_adamw(Tensor** params, Tensor** grads, Tensor** exp_avgs, Tensor** exp_avg_sqs,
                                   int32_t n, int64_t step, double lr, double beta1, double beta2, double eps,
                                   double weight_decay, int32_t allow_fused, int32_t* fused) {
    DST_CATCH({
        at::NoGradGuard no_grad;
        auto p = dst_list(params, n), g = dst_list(grads, n), m = dst_list(exp_avgs, n), v = dst_list(exp_avg_sqs, n);
        *fused = 0;
#if DST_VERSION_AT_LEAST(2, 0)
        if (allow_fused && dst_can_fuse_adamw(p)) {
            std::vector<Tensor> steps;
            steps.reserve(n);
            for (const auto& t : p) steps.push_back(at::full({}, (double)step, t.options().dtype(at::kFloat)));
            at::_fused_adamw_(p, g, m, v, {}, steps, lr, beta1, beta2, weight_decay, eps, false, false, dst_nullopt,
                              dst_nullopt);
            *fused = 1;
            return 0;
        }
#endif
        double bias1 = 1.0 - std::pow(beta1, (double)step);
        double bias2 = 1.0 - std::pow(beta2, (double)step);
        if (weight_decay != 0) at::_foreach_mul_(p, 1.0 - lr * weight_decay);
        at::_foreach_mul_(m, beta1);
        at::_foreach_add_(m, g, 1.0 - beta1);
        at::_foreach_mul_(v, beta2);
        at::_foreach_addcmul_(v, g, g, 1.0 - beta2);
        auto denom = at::_foreach_sqrt(v);
        at::_foreach_div_(denom, std::sqrt(bias2));
        at::_foreach_add_(denom, eps);
        at::_foreach_addcdiv_(p, m, denom, -lr / bias1);
    })
}

// Scales the gradients so that their global L2 norm is at most max_norm; *total_norm receives the norm
// before clipping as a 0-d float32 tensor (no host sync here: reading it is the caller's choice).
DST_EXPORT int32_t dst_optim_clip_grad_norm(Tensor** grads, int32_t n, double max_norm, Tensor** total_norm) {
    DST_CATCH({
        at::NoGradGuard no_grad;
        std::vector<Tensor> norms;
        norms.reserve(n);
        for (int32_t i = 0; i < n; i++) norms.push_back(grads[i]->norm(2).to(at::kFloat));
        Tensor total = at::stack(norms).norm(2);
        Tensor coef = (max_norm / (total + 1e-6)).clamp_max(1.0);
        for (int32_t i = 0; i < n; i++) grads[i]->mul_(coef.to(grads[i]->scalar_type()));
        *total_norm = dst_wrap(std::move(total));
    })
}
