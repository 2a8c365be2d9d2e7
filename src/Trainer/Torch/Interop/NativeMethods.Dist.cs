using System.Runtime.InteropServices;

namespace Distributed.Trainer.Torch.Interop;

// Mirrors Native/dst_dist.cpp.
internal static unsafe partial class NativeMethods
{
    // --- Store
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int dst_dist_store_new(string host, int port, int isServer, long timeoutMs, out StoreHandle store);
    [LibraryImport(Lib)] internal static partial int dst_dist_store_port(StoreHandle store, out int port);
    [LibraryImport(Lib)] internal static partial void dst_dist_store_free(nint store);

    // --- Process groups
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int dst_dist_pg_new_gloo(StoreHandle store, string prefix, int rank, int size, long timeoutMs,
        long joinTimeoutMs, string? iface, string? host, out ProcessGroupHandle group);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int dst_dist_pg_new_nccl(StoreHandle store, string prefix, int rank, int size, long timeoutMs,
        long joinTimeoutMs, int device, out ProcessGroupHandle group);
    [LibraryImport(Lib)] internal static partial int dst_dist_pg_abort(ProcessGroupHandle group);
    [LibraryImport(Lib)] internal static partial void dst_dist_pg_free(nint group);
    [LibraryImport(Lib)] internal static partial int dst_dist_pg_allreduce_sum(ProcessGroupHandle group, TensorHandle t, out WorkHandle work);
    [LibraryImport(Lib)] internal static partial int dst_dist_pg_broadcast(ProcessGroupHandle group, TensorHandle t, int root, out WorkHandle work);
    [LibraryImport(Lib)] internal static partial int dst_dist_pg_barrier(ProcessGroupHandle group, out WorkHandle work);
    [LibraryImport(Lib)] internal static partial int dst_dist_pg_allgather(ProcessGroupHandle group, TensorHandle input, TensorHandle output, out WorkHandle work);

    // --- Work
    [LibraryImport(Lib)] internal static partial int dst_dist_work_wait(WorkHandle work, long timeoutMs, out int completed);
    [LibraryImport(Lib)] internal static partial int dst_dist_work_is_completed(WorkHandle work, out int completed);
    [LibraryImport(Lib)] internal static partial void dst_dist_work_free(nint work);

    // --- Bucket reducer
    [LibraryImport(Lib)]
    internal static partial int dst_dist_reducer_new(ProcessGroupHandle group, nint* grads, int buckets, nint* parameters,
        int* parameterBucket, int count, out ReducerHandle reducer);
    [LibraryImport(Lib)] internal static partial int dst_dist_reducer_set_order(ReducerHandle reducer, int* order, int n);
    [LibraryImport(Lib)] internal static partial int dst_dist_reducer_arm(ReducerHandle reducer);
    [LibraryImport(Lib)] internal static partial int dst_dist_reducer_finish(ReducerHandle reducer);
    [LibraryImport(Lib)] internal static partial int dst_dist_reducer_work(ReducerHandle reducer, int bucket, out WorkHandle work);
    [LibraryImport(Lib)]
    internal static partial int dst_dist_reducer_stats(ReducerHandle reducer, long* readyNs, long* launchNs, int* readyOrder,
        out int readyCount, out long finishNs);
    [LibraryImport(Lib)] internal static partial void dst_dist_reducer_free(nint reducer);
}
