// Errors, handle lifetime, version and capability queries.
#include "dst.h"

#include <atomic>

static thread_local std::string last_error;
static std::atomic<int64_t> live_tensors{0};

int32_t dst_fail(const char* message) {
    last_error = message ? message : "";
    return -1;
}

Tensor* dst_wrap(Tensor&& t) {
    live_tensors.fetch_add(1, std::memory_order_relaxed);
    return new Tensor(std::move(t));
}

DST_EXPORT const char* dst_last_error() { return last_error.c_str(); }

DST_EXPORT void dst_tensor_free(Tensor* t) {
    if (!t) return;
    live_tensors.fetch_sub(1, std::memory_order_relaxed);
    delete t;
}

DST_EXPORT int64_t dst_live_tensors() { return live_tensors.load(std::memory_order_relaxed); }

DST_EXPORT int32_t dst_torch_version(int32_t* major, int32_t* minor, int32_t* patch) {
    DST_CATCH(*major = TORCH_VERSION_MAJOR; *minor = TORCH_VERSION_MINOR; *patch = TORCH_VERSION_PATCH)
}

// Bit 0: fused scaled-dot-product attention; bit 1: fused AdamW kernels; bit 2: built with CUDA;
// bit 3: Gloo collectives; bit 4: NCCL collectives.
DST_EXPORT int32_t dst_capabilities() {
    int32_t caps = 0;
#ifdef USE_C10D_GLOO
    caps |= 8;
#endif
#ifdef USE_C10D_NCCL
    caps |= 16;
#endif
#if DST_VERSION_AT_LEAST(2, 0)
    caps |= 1;
    caps |= 2;
#endif
#ifdef DST_WITH_CUDA
    caps |= 4;
#endif
    return caps;
}

DST_EXPORT int32_t dst_set_num_threads(int32_t n) { DST_CATCH(at::set_num_threads(n)) }

DST_EXPORT int32_t dst_manual_seed(int64_t seed) { DST_CATCH(at::manual_seed((uint64_t)seed)) }
