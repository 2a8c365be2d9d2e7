// CUDA devices: count, synchronisation, caching-allocator statistics. Without CUDA every query answers
// "no devices" and the calls that need a device fail with a message that says so.
#include "dst.h"

#ifdef DST_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#endif

#ifdef DST_WITH_CUDA
DST_EXPORT int32_t dst_cuda_device_count(int32_t* out) { DST_CATCH(*out = (int32_t)c10::cuda::device_count()) }

DST_EXPORT int32_t dst_cuda_synchronize(int32_t device) {
    DST_CATCH({
        c10::cuda::CUDAGuard guard((c10::DeviceIndex)device);
        c10::cuda::device_synchronize();
    })
}

// stats: [allocated, peak allocated, reserved, peak reserved] in bytes.
DST_EXPORT int32_t dst_cuda_memory_stats(int32_t device, int64_t* stats) {
    DST_CATCH({
        auto s = c10::cuda::CUDACachingAllocator::getDeviceStats((c10::DeviceIndex)device);
        const size_t all = 0;  // StatType::AGGREGATE, whose namespace moved between libtorch versions
        stats[0] = s.allocated_bytes[all].current;
        stats[1] = s.allocated_bytes[all].peak;
        stats[2] = s.reserved_bytes[all].current;
        stats[3] = s.reserved_bytes[all].peak;
    })
}

DST_EXPORT int32_t dst_cuda_reset_peak_memory(int32_t device) {
    DST_CATCH(c10::cuda::CUDACachingAllocator::resetPeakStats((c10::DeviceIndex)device))
}

DST_EXPORT int32_t dst_cuda_empty_cache() { DST_CATCH(c10::cuda::CUDACachingAllocator::emptyCache()) }
#else
DST_EXPORT int32_t dst_cuda_device_count(int32_t* out) {
    *out = 0;
    return 0;
}
DST_EXPORT int32_t dst_cuda_synchronize(int32_t device) { return dst_fail("this build of the shim has no CUDA"); }
DST_EXPORT int32_t dst_cuda_memory_stats(int32_t device, int64_t* stats) {
    return dst_fail("this build of the shim has no CUDA");
}
DST_EXPORT int32_t dst_cuda_reset_peak_memory(int32_t device) { return dst_fail("this build of the shim has no CUDA"); }
DST_EXPORT int32_t dst_cuda_empty_cache() { return dst_fail("this build of the shim has no CUDA"); }
#endif
