// Tensor creation, properties, host <-> device data movement, generators.
#include "dst.h"

#include <ATen/CPUGeneratorImpl.h>
#include <cstring>

// --- Generators

DST_EXPORT int32_t dst_generator_new(int32_t device_type, int32_t device_index, int64_t seed, at::Generator** out) {
    DST_CATCH({
        at::Generator g;
        if (device_type == (int32_t)c10::DeviceType::CPU) {
            g = at::detail::createCPUGenerator((uint64_t)seed);
        } else {
            // An independent generator for that device: a clone of its default, re-seeded.
            auto device = c10::Device((c10::DeviceType)device_type, (c10::DeviceIndex)device_index);
            g = at::globalContext().defaultGenerator(device).clone();
            g.set_current_seed((uint64_t)seed);
        }
        *out = new at::Generator(std::move(g));
    })
}

DST_EXPORT void dst_generator_free(at::Generator* g) { delete g; }

DST_EXPORT int32_t dst_generator_set_seed(at::Generator* g, int64_t seed) {
    DST_CATCH({
        std::lock_guard<std::mutex> lock(g->mutex());
        g->set_current_seed((uint64_t)seed);
    })
}

static dst_optional<at::Generator> dst_gen(at::Generator* g) {
    return g ? dst_optional<at::Generator>(*g) : dst_nullopt;
}

// --- Creation

DST_EXPORT int32_t dst_tensor_from_data(const void* data, const int64_t* dims, int32_t ndim, int32_t dtype,
                                        int32_t device_type, int32_t device_index, Tensor** out) {
    DST_CATCH({
        auto host_options = at::TensorOptions().dtype((at::ScalarType)dtype);
        // from_blob does not own the caller's memory: clone into a tensor that does.
        Tensor host = at::from_blob(const_cast<void*>(data), dst_dims(dims, ndim), host_options).clone();
        auto device = c10::Device((c10::DeviceType)device_type, (c10::DeviceIndex)device_index);
        *out = dst_wrap(device.is_cpu() ? std::move(host) : host.to(device));
    })
}

DST_EXPORT int32_t dst_tensor_empty(const int64_t* dims, int32_t ndim, int32_t dtype, int32_t device_type,
                                    int32_t device_index, int32_t pinned, Tensor** out) {
    DST_CATCH(*out = dst_wrap(at::empty(dst_dims(dims, ndim),
                                        dst_options(dtype, device_type, device_index).pinned_memory(pinned != 0))))
}

DST_EXPORT int32_t dst_tensor_zeros(const int64_t* dims, int32_t ndim, int32_t dtype, int32_t device_type,
                                    int32_t device_index, Tensor** out) {
    DST_CATCH(*out = dst_wrap(at::zeros(dst_dims(dims, ndim), dst_options(dtype, device_type, device_index))))
}

DST_EXPORT int32_t dst_tensor_ones(const int64_t* dims, int32_t ndim, int32_t dtype, int32_t device_type,
                                   int32_t device_index, Tensor** out) {
    DST_CATCH(*out = dst_wrap(at::ones(dst_dims(dims, ndim), dst_options(dtype, device_type, device_index))))
}

DST_EXPORT int32_t dst_tensor_full(const int64_t* dims, int32_t ndim, double value, int32_t dtype,
                                   int32_t device_type, int32_t device_index, Tensor** out) {
    DST_CATCH(*out = dst_wrap(at::full(dst_dims(dims, ndim), value, dst_options(dtype, device_type, device_index))))
}

DST_EXPORT int32_t dst_tensor_arange(double start, double end, double step, int32_t dtype, int32_t device_type,
                                     int32_t device_index, Tensor** out) {
    DST_CATCH(*out = dst_wrap(at::arange(start, end, step, dst_options(dtype, device_type, device_index))))
}

// Random tensors are drawn on the CPU generator when one is given for the CPU, so a seeded
// initialisation is identical whatever device the tensor ends up on.
template <class Draw>
static Tensor dst_random(at::Generator* gen, const at::TensorOptions& options, Draw draw) {
    if (gen && gen->device().is_cpu() && !options.device().is_cpu())
        return draw(options.device(at::kCPU)).to(options.device());
    return draw(options);
}

DST_EXPORT int32_t dst_tensor_randn(const int64_t* dims, int32_t ndim, at::Generator* gen, int32_t dtype,
                                    int32_t device_type, int32_t device_index, Tensor** out) {
    DST_CATCH(*out = dst_wrap(dst_random(gen, dst_options(dtype, device_type, device_index), [&](const at::TensorOptions& o) {
        return at::randn(dst_dims(dims, ndim), dst_gen(gen), o);
    })))
}

DST_EXPORT int32_t dst_tensor_rand(const int64_t* dims, int32_t ndim, at::Generator* gen, int32_t dtype,
                                   int32_t device_type, int32_t device_index, Tensor** out) {
    DST_CATCH(*out = dst_wrap(dst_random(gen, dst_options(dtype, device_type, device_index), [&](const at::TensorOptions& o) {
        return at::rand(dst_dims(dims, ndim), dst_gen(gen), o);
    })))
}

DST_EXPORT int32_t dst_tensor_randint(int64_t low, int64_t high, const int64_t* dims, int32_t ndim,
                                      at::Generator* gen, int32_t dtype, int32_t device_type,
                                      int32_t device_index, Tensor** out) {
    DST_CATCH(*out = dst_wrap(dst_random(gen, dst_options(dtype, device_type, device_index), [&](const at::TensorOptions& o) {
        return at::randint(low, high, dst_dims(dims, ndim), dst_gen(gen), o);
    })))
}

DST_EXPORT int32_t dst_tensor_normal_(Tensor* t, double mean, double std, at::Generator* gen) {
    DST_CATCH(t->normal_(mean, std, dst_gen(gen)))
}

DST_EXPORT int32_t dst_tensor_uniform_(Tensor* t, double from, double to, at::Generator* gen) {
    DST_CATCH(t->uniform_(from, to, dst_gen(gen)))
}

// --- Properties

DST_EXPORT int32_t dst_tensor_ndim(Tensor* t, int32_t* out) { DST_CATCH(*out = (int32_t)t->dim()) }

DST_EXPORT int32_t dst_tensor_shape(Tensor* t, int64_t* dims) {
    DST_CATCH({
        auto sizes = t->sizes();
        std::memcpy(dims, sizes.data(), sizes.size() * sizeof(int64_t));
    })
}

DST_EXPORT int32_t dst_tensor_strides(Tensor* t, int64_t* strides) {
    DST_CATCH({
        auto s = t->strides();
        std::memcpy(strides, s.data(), s.size() * sizeof(int64_t));
    })
}

DST_EXPORT int32_t dst_tensor_dtype(Tensor* t, int32_t* out) { DST_CATCH(*out = (int32_t)t->scalar_type()) }

DST_EXPORT int32_t dst_tensor_device(Tensor* t, int32_t* device_type, int32_t* device_index) {
    DST_CATCH({
        *device_type = (int32_t)t->device().type();
        *device_index = (int32_t)t->device().index();
    })
}

DST_EXPORT int32_t dst_tensor_numel(Tensor* t, int64_t* out) { DST_CATCH(*out = t->numel()) }

DST_EXPORT int32_t dst_tensor_is_contiguous(Tensor* t, int32_t* out) { DST_CATCH(*out = t->is_contiguous()) }

DST_EXPORT int32_t dst_tensor_is_pinned(Tensor* t, int32_t* out) { DST_CATCH(*out = t->is_pinned()) }

DST_EXPORT int32_t dst_tensor_data_ptr(Tensor* t, void** out) { DST_CATCH(*out = t->data_ptr()) }

DST_EXPORT int32_t dst_tensor_same_storage(Tensor* a, Tensor* b, int32_t* out) {
    DST_CATCH(*out = a->storage().is_alias_of(b->storage()))
}

// --- Data movement

// Copies the tensor's elements, in row-major order, into caller memory of exactly nbytes.
DST_EXPORT int32_t dst_tensor_copy_to_host(Tensor* t, void* dst, int64_t nbytes) {
    DST_CATCH({
        int64_t have = t->numel() * (int64_t)t->element_size();
        TORCH_CHECK(have == nbytes, "copy_to_host: the tensor holds ", have, " bytes but the buffer has ", nbytes);
        if (nbytes == 0) return 0;
        // One copy, straight into the caller's buffer: a temporary CPU tensor plus memcpy doubled the traffic and
        // faulted in fresh pages twice, which made a 16 GB training snapshot take ~20 s on an H200 host.
        Tensor host = at::from_blob(dst, t->sizes(), at::TensorOptions().dtype(t->scalar_type()));
        at::NoGradGuard no_grad;
        host.copy_(t->detach());
    })
}

// Copies caller memory into an existing tensor (any device), in place.
DST_EXPORT int32_t dst_tensor_copy_from_host(Tensor* t, const void* src, int64_t nbytes) {
    DST_CATCH({
        int64_t need = t->numel() * (int64_t)t->element_size();
        TORCH_CHECK(need == nbytes, "copy_from_host: the tensor holds ", need, " bytes but the buffer has ", nbytes);
        Tensor host = at::from_blob(const_cast<void*>(src), t->sizes(), at::TensorOptions().dtype(t->scalar_type()));
        at::NoGradGuard no_grad;
        t->copy_(host);
    })
}

DST_EXPORT int32_t dst_tensor_to(Tensor* t, int32_t device_type, int32_t device_index, int32_t dtype,
                                 int32_t non_blocking, int32_t copy, Tensor** out) {
    DST_CATCH({
        auto device = c10::Device((c10::DeviceType)device_type, (c10::DeviceIndex)device_index);
        *out = dst_wrap(t->to(device, (at::ScalarType)dtype, non_blocking != 0, copy != 0));
    })
}

DST_EXPORT int32_t dst_tensor_pin_memory(Tensor* t, Tensor** out) { DST_CATCH(*out = dst_wrap(t->pin_memory())) }

DST_EXPORT int32_t dst_tensor_copy_(Tensor* dst, Tensor* src, int32_t non_blocking) {
    DST_CATCH(dst->copy_(*src, non_blocking != 0))
}

DST_EXPORT int32_t dst_tensor_fill_(Tensor* t, double value) { DST_CATCH(t->fill_(value)) }

DST_EXPORT int32_t dst_tensor_zero_(Tensor* t) { DST_CATCH(t->zero_()) }

DST_EXPORT int32_t dst_tensor_clone(Tensor* t, Tensor** out) { DST_CATCH(*out = dst_wrap(t->clone())) }

DST_EXPORT int32_t dst_tensor_alias(Tensor* t, Tensor** out) { DST_CATCH(*out = dst_wrap(Tensor(*t))) }

DST_EXPORT int32_t dst_tensor_item_double(Tensor* t, double* out) { DST_CATCH(*out = t->item<double>()) }

DST_EXPORT int32_t dst_tensor_item_long(Tensor* t, int64_t* out) { DST_CATCH(*out = t->item<int64_t>()) }
