using System.Runtime.InteropServices;

namespace Distributed.Trainer.Torch.Interop;

// Mirrors Native/dst_nn.cpp.
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial int dst_nn_linear(TensorHandle x, TensorHandle weight, TensorHandle bias, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_nn_layer_norm(TensorHandle x, long* dims, int ndim, TensorHandle weight, TensorHandle bias, double eps, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_nn_rms_norm(TensorHandle x, TensorHandle weight, double eps, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_nn_embedding(TensorHandle weight, TensorHandle ids, long paddingIdx, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_nn_dropout(TensorHandle x, double p, int train, GeneratorHandle gen, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_nn_softmax(TensorHandle x, long dim, int dtype, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_nn_log_softmax(TensorHandle x, long dim, int dtype, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_nn_sdpa(TensorHandle q, TensorHandle k, TensorHandle v, TensorHandle mask, double dropoutP, int causal, double scale, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_nn_cross_entropy(TensorHandle logits, TensorHandle target, long ignoreIndex, int reduction, double labelSmoothing, out TensorHandle result);
}
