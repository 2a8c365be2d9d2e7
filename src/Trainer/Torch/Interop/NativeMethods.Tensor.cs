using System.Runtime.InteropServices;

namespace Distributed.Trainer.Torch.Interop;

// Mirrors Native/dst_tensor.cpp.
internal static unsafe partial class NativeMethods
{
    // --- Generators
    [LibraryImport(Lib)] internal static partial int dst_generator_new(int deviceType, int deviceIndex, long seed, out GeneratorHandle g);
    [LibraryImport(Lib)] internal static partial void dst_generator_free(nint g);
    [LibraryImport(Lib)] internal static partial int dst_generator_set_seed(GeneratorHandle g, long seed);

    // --- Creation
    [LibraryImport(Lib)] internal static partial int dst_tensor_from_data(void* data, long* dims, int ndim, int dtype, int deviceType, int deviceIndex, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_empty(long* dims, int ndim, int dtype, int deviceType, int deviceIndex, int pinned, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_zeros(long* dims, int ndim, int dtype, int deviceType, int deviceIndex, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_ones(long* dims, int ndim, int dtype, int deviceType, int deviceIndex, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_full(long* dims, int ndim, double value, int dtype, int deviceType, int deviceIndex, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_arange(double start, double end, double step, int dtype, int deviceType, int deviceIndex, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_randn(long* dims, int ndim, GeneratorHandle gen, int dtype, int deviceType, int deviceIndex, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_rand(long* dims, int ndim, GeneratorHandle gen, int dtype, int deviceType, int deviceIndex, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_randint(long low, long high, long* dims, int ndim, GeneratorHandle gen, int dtype, int deviceType, int deviceIndex, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_normal_(TensorHandle t, double mean, double std, GeneratorHandle gen);
    [LibraryImport(Lib)] internal static partial int dst_tensor_uniform_(TensorHandle t, double from, double to, GeneratorHandle gen);

    // --- Properties
    [LibraryImport(Lib)] internal static partial int dst_tensor_ndim(TensorHandle t, out int ndim);
    [LibraryImport(Lib)] internal static partial int dst_tensor_shape(TensorHandle t, long* dims);
    [LibraryImport(Lib)] internal static partial int dst_tensor_strides(TensorHandle t, long* strides);
    [LibraryImport(Lib)] internal static partial int dst_tensor_dtype(TensorHandle t, out int dtype);
    [LibraryImport(Lib)] internal static partial int dst_tensor_device(TensorHandle t, out int deviceType, out int deviceIndex);
    [LibraryImport(Lib)] internal static partial int dst_tensor_numel(TensorHandle t, out long numel);
    [LibraryImport(Lib)] internal static partial int dst_tensor_is_contiguous(TensorHandle t, out int result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_is_pinned(TensorHandle t, out int result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_data_ptr(TensorHandle t, out nint ptr);
    [LibraryImport(Lib)] internal static partial int dst_tensor_same_storage(TensorHandle a, TensorHandle b, out int result);

    // --- Data movement
    [LibraryImport(Lib)] internal static partial int dst_tensor_copy_to_host(TensorHandle t, void* dst, long nbytes);
    [LibraryImport(Lib)] internal static partial int dst_tensor_copy_from_host(TensorHandle t, void* src, long nbytes);
    [LibraryImport(Lib)] internal static partial int dst_tensor_to(TensorHandle t, int deviceType, int deviceIndex, int dtype, int nonBlocking, int copy, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_pin_memory(TensorHandle t, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_copy_(TensorHandle dst, TensorHandle src, int nonBlocking);
    [LibraryImport(Lib)] internal static partial int dst_tensor_fill_(TensorHandle t, double value);
    [LibraryImport(Lib)] internal static partial int dst_tensor_zero_(TensorHandle t);
    [LibraryImport(Lib)] internal static partial int dst_tensor_clone(TensorHandle t, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_alias(TensorHandle t, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_item_double(TensorHandle t, out double value);
    [LibraryImport(Lib)] internal static partial int dst_tensor_item_long(TensorHandle t, out long value);
}
