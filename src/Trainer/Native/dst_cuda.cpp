// CUDA devices: count, synchronisation, caching-allocator statistics, and the streams and events that let
// copies run beside training (a snapshot's device-to-host copies on a side stream). Without CUDA every query
// answers "no devices" and the calls that need a device fail with a message that says so.
// Streams and events are opaque handles (void*) so that both builds export the same signatures.
#include "dst.h"

#ifdef DST_WITH_CUDA
#include <ATen/cuda/CUDAEvent.h>
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

// A stream of libtorch's pool (never destroyed: the pool reuses it); the handle is a heap copy of its wrapper.
DST_EXPORT int32_t dst_cuda_stream_from_pool(int32_t device, void** out) {
    DST_CATCH(*out = new c10::cuda::CUDAStream(c10::cuda::getStreamFromPool(false, (c10::DeviceIndex)device)))
}

DST_EXPORT void dst_cuda_stream_free(void* stream) { delete static_cast<c10::cuda::CUDAStream*>(stream); }

// null: the calling thread's current stream of that device (the one libtorch queues its work on).
static c10::cuda::CUDAStream dst_stream_or_current(void* stream, int32_t device) {
    return stream ? *static_cast<c10::cuda::CUDAStream*>(stream) : c10::cuda::getCurrentCUDAStream((c10::DeviceIndex)device);
}

DST_EXPORT int32_t dst_cuda_event_new(void** out) { DST_CATCH(*out = new at::cuda::CUDAEvent()) }

DST_EXPORT void dst_cuda_event_free(void* event) { delete static_cast<at::cuda::CUDAEvent*>(event); }

// Marks the point in the stream after the work queued so far.
DST_EXPORT int32_t dst_cuda_event_record(void* event, void* stream, int32_t device) {
    DST_CATCH(static_cast<at::cuda::CUDAEvent*>(event)->record(dst_stream_or_current(stream, device)))
}

// Work queued on the stream from now on waits (on the device, the host goes on) until the event's work is done.
DST_EXPORT int32_t dst_cuda_event_block(void* event, void* stream, int32_t device) {
    DST_CATCH(static_cast<at::cuda::CUDAEvent*>(event)->block(dst_stream_or_current(stream, device)))
}

// The host waits until the event's work is done (at once for an event never recorded).
DST_EXPORT int32_t dst_cuda_event_synchronize(void* event) {
    DST_CATCH(static_cast<at::cuda::CUDAEvent*>(event)->synchronize())
}

DST_EXPORT int32_t dst_cuda_event_query(void* event, int32_t* done) {
    DST_CATCH(*done = static_cast<at::cuda::CUDAEvent*>(event)->query() ? 1 : 0)
}

// dst[i].copy_(src[i], non_blocking) for each i, queued on the stream instead of the current one. Into pinned host
// memory a device-to-host copy returns at once; the caller records an event after it to know when it is done.
DST_EXPORT int32_t dst_cuda_copy_on_stream(void* stream, Tensor** dst, Tensor** src, int32_t n) {
    DST_CATCH({
        c10::cuda::CUDAStreamGuard guard(*static_cast<c10::cuda::CUDAStream*>(stream));
        for (int32_t i = 0; i < n; i++) dst[i]->copy_(*src[i], /*non_blocking=*/true);
    })
}
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
DST_EXPORT int32_t dst_cuda_stream_from_pool(int32_t device, void** out) {
    return dst_fail("this build of the shim has no CUDA");
}
DST_EXPORT void dst_cuda_stream_free(void* stream) {}
DST_EXPORT int32_t dst_cuda_event_new(void** out) { return dst_fail("this build of the shim has no CUDA"); }
DST_EXPORT void dst_cuda_event_free(void* event) {}
DST_EXPORT int32_t dst_cuda_event_record(void* event, void* stream, int32_t device) {
    return dst_fail("this build of the shim has no CUDA");
}
DST_EXPORT int32_t dst_cuda_event_block(void* event, void* stream, int32_t device) {
    return dst_fail("this build of the shim has no CUDA");
}
DST_EXPORT int32_t dst_cuda_event_synchronize(void* event) { return dst_fail("this build of the shim has no CUDA"); }
DST_EXPORT int32_t dst_cuda_event_query(void* event, int32_t* done) { return dst_fail("this build of the shim has no CUDA"); }
DST_EXPORT int32_t dst_cuda_copy_on_stream(void* stream, Tensor** dst, Tensor** src, int32_t n) {
    return dst_fail("this build of the shim has no CUDA");
}
#endif
