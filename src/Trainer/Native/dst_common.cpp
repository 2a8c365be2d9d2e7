// Errors, handle lifetime, version and capability queries, and the CPU thread pools.
#include "dst.h"

#include <dlfcn.h>

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

// --- CPU thread pools
// libtorch's intra-op pool (OpenMP in Debian's build), its inter-op pool, and the BLAS library's own threads.
// OpenBLAS is reached by symbol lookup in the already-loaded library rather than linked: a pip torch brings
// MKL or its own BLAS, and then these calls report "no OpenBLAS" instead of failing to load.

DST_EXPORT int32_t dst_set_num_threads(int32_t n) { DST_CATCH(at::set_num_threads(n)) }

static void* openblas_symbol(const char* name) {
    // RTLD_NOLOAD: only a BLAS that libtorch already loaded; its handle's scope includes libopenblas.so.0.
    for (const char* lib : {"libopenblas.so.0", "libblas.so.3"}) {
        if (void* handle = dlopen(lib, RTLD_LAZY | RTLD_NOLOAD)) {
            void* symbol = dlsym(handle, name);
            dlclose(handle);
            if (symbol) return symbol;
        }
    }
    return nullptr;
}

// Returns 1 when OpenBLAS took the setting, 0 when the loaded BLAS is not OpenBLAS.
DST_EXPORT int32_t dst_blas_set_num_threads(int32_t n, int32_t* applied) {
    DST_CATCH(
        if (n < 1) throw std::invalid_argument("BLAS threads must be at least 1");
        auto set = reinterpret_cast<void (*)(int)>(openblas_symbol("openblas_set_num_threads"));
        if (set) set(n);
        *applied = set ? 1 : 0)
}

// blas_threads and blas_parallel are -1 when the BLAS is not OpenBLAS; blas_parallel is OpenBLAS's own
// code: 0 sequential, 1 its pthreads pool, 2 OpenMP (the pool libtorch uses too).
DST_EXPORT int32_t dst_thread_settings(int32_t* intra_op, int32_t* inter_op, int32_t* blas_threads, int32_t* blas_parallel) {
    DST_CATCH(
        *intra_op = at::get_num_threads();
        *inter_op = at::get_num_interop_threads();
        auto get_threads = reinterpret_cast<int (*)()>(openblas_symbol("openblas_get_num_threads"));
        auto get_parallel = reinterpret_cast<int (*)()>(openblas_symbol("openblas_get_parallel"));
        *blas_threads = get_threads ? get_threads() : -1;
        *blas_parallel = get_parallel ? get_parallel() : -1)
}

// OpenBLAS's build description ("OpenBLAS 0.3.21 DYNAMIC_ARCH ..."), or "" for another BLAS; owned by the library.
DST_EXPORT const char* dst_blas_config() {
    auto get_config = reinterpret_cast<char* (*)()>(openblas_symbol("openblas_get_config"));
    return get_config ? get_config() : "";
}

DST_EXPORT int32_t dst_manual_seed(int64_t seed) { DST_CATCH(at::manual_seed((uint64_t)seed)) }
