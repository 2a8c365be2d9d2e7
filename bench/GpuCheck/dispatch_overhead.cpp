// Where the per-call time of a small CPU op goes on a host: libtorch called directly, then through the shim's
// C ABI (the same calls the C# binding makes), each as the median µs of 7 rounds of 200,000 `x + x` on 16 floats.
// Built and run by infra/gpu/dispatch-overhead.sh; compare with gpu-check's C# number and torch_reference.py's.
#include <ATen/ATen.h>
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

template <class F>
static double median_us(F body) {
    std::vector<double> rounds;
    for (int r = 0; r < 7; r++) {
        auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < 200000; i++) body();
        auto t1 = std::chrono::steady_clock::now();
        rounds.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count() / 200000);
    }
    std::sort(rounds.begin(), rounds.end());
    return rounds[3];
}

int main(int argc, char** argv) {
    at::Tensor x = at::randn({16});
    double direct = median_us([&] { at::Tensor y = x.add(x); });
    void* lib = dlopen(argv[1], RTLD_NOW);
    if (!lib) { std::printf("cannot load %s: %s\n", argv[1], dlerror()); return 1; }
    using add_t = int (*)(at::Tensor*, at::Tensor*, at::Tensor**);
    using free_t = void (*)(at::Tensor*);
    auto add = (add_t)dlsym(lib, "dst_tensor_add");
    auto release = (free_t)dlsym(lib, "dst_tensor_free");
    double shim = median_us([&] { at::Tensor* y; add(&x, &x, &y); release(y); });
    std::printf("{\"aten_direct_us\": %.3f, \"shim_c_abi_us\": %.3f}\n", direct, shim);
    return 0;
}
