// Common to every area of the shim: libtorch headers, the export macro and the error convention.
// Every export returns 0 on success or -1 on failure; on failure dst_last_error() holds the message
// (thread-local). No C++ exception ever crosses the ABI: each body runs inside DST_CATCH.
#pragma once

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <torch/version.h>

#include <cstdint>
#include <string>
#include <vector>

#define DST_EXPORT extern "C" __attribute__((visibility("default")))

#define DST_VERSION_AT_LEAST(major, minor) \
    (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

using Tensor = at::Tensor;

// libtorch >= 2.4 takes std::optional; older versions their own c10::optional.
#if DST_VERSION_AT_LEAST(2, 4)
template <class T>
using dst_optional = std::optional<T>;
inline constexpr auto dst_nullopt = std::nullopt;
#else
template <class T>
using dst_optional = c10::optional<T>;
constexpr auto dst_nullopt = c10::nullopt;
#endif

int32_t dst_fail(const char* message);
Tensor* dst_wrap(Tensor&& t);

// DST_CATCH(body...): runs body, converts any exception into -1 plus the thread-local message.
#define DST_CATCH(...)                                                           \
    try {                                                                        \
        __VA_ARGS__;                                                             \
        return 0;                                                                \
    } catch (const c10::Error& e) {                                              \
        return dst_fail(e.what_without_backtrace());                             \
    } catch (const std::exception& e) {                                          \
        return dst_fail(e.what());                                               \
    } catch (...) {                                                              \
        return dst_fail("unknown native exception");                            \
    }

inline at::IntArrayRef dst_dims(const int64_t* dims, int32_t ndim) { return at::IntArrayRef(dims, (size_t)ndim); }

inline at::TensorOptions dst_options(int32_t dtype, int32_t device_type, int32_t device_index) {
    return at::TensorOptions()
        .dtype(static_cast<at::ScalarType>(dtype))
        .device(c10::Device(static_cast<c10::DeviceType>(device_type), (c10::DeviceIndex)device_index));
}

inline std::vector<Tensor> dst_list(Tensor** ts, int32_t n) {
    std::vector<Tensor> v;
    v.reserve(n);
    for (int32_t i = 0; i < n; i++) v.push_back(*ts[i]);
    return v;
}

// An optional tensor argument: null means "none".
inline dst_optional<Tensor> dst_opt(Tensor* t) { return t ? dst_optional<Tensor>(*t) : dst_nullopt; }
