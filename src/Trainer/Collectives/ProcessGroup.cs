using System.Net;
using System.Runtime.InteropServices;
using Distributed.Trainer.Torch;
using Distributed.Trainer.Torch.Interop;
using static Distributed.Trainer.Torch.Interop.NativeMethods;

namespace Distributed.Trainer.Collectives;

/// <summary>
/// One world of processes that run collectives together: libtorch's c10d ProcessGroupGloo for CPU tensors,
/// ProcessGroupNCCL for the CUDA tensors of one device. Every rank must issue the same collectives in the
/// same order, from one thread at a time. A failed collective throws a <see cref="CollectiveException"/>
/// and leaves the group unusable: <see cref="Abort"/> or dispose it, then join a new world.
/// </summary>
public sealed class ProcessGroup : IDisposable
{
    private readonly ProcessGroupHandle _handle;
    private readonly TcpStore? _ownedStore;
    private volatile bool _aborted;
    private volatile bool _faulted;

    private ProcessGroup(ProcessGroupHandle handle, Rendezvous rendezvous, Device device, CollectiveBackend backend, TcpStore? ownedStore)
    {
        _handle = handle;
        Rendezvous = rendezvous;
        Device = device;
        Backend = backend;
        _ownedStore = ownedStore;
    }

    public Rendezvous Rendezvous { get; }

    public int Rank => Rendezvous.Rank;

    public int WorldSize => Rendezvous.WorldSize;

    public string WorldId => Rendezvous.WorldId;

    /// <summary>The device every tensor passed to this group must be on.</summary>
    public Device Device { get; }

    public CollectiveBackend Backend { get; }

    public bool IsAborted => _aborted;

    internal ProcessGroupHandle Handle => _handle;

    /// <summary>
    /// Joins the world: blocks until every rank has joined, or fails after the join timeout. Without
    /// a <paramref name="store"/>, rank 0 serves the TCPStore at the rendezvous address and the others
    /// connect to it (the group owns that store); with one, the caller keeps it alive for as long as worlds
    /// are formed through it. CPU devices use Gloo, which listens on the interface named by
    /// GLOO_SOCKET_IFNAME if set, else on 127.0.0.1 when the store is on loopback, else on this machine's
    /// hostname; CUDA devices use NCCL.
    /// </summary>
    public static ProcessGroup Join(Rendezvous rendezvous, Device device, TcpStore? store = null)
    {
        ArgumentNullException.ThrowIfNull(rendezvous);
        rendezvous.Validate();
        var backend = device.IsCuda ? CollectiveBackend.Nccl : CollectiveBackend.Gloo;
        RequireBackend(backend);
        var timeoutMs = (long)rendezvous.Timeout.TotalMilliseconds;
        var joinTimeout = rendezvous.JoinTimeout ?? rendezvous.Timeout;
        var joinTimeoutMs = (long)joinTimeout.TotalMilliseconds;
        TcpStore? owned = null;
        try
        {
            if (store is null)
            {
                owned = rendezvous.Rank == 0
                    ? TcpStore.Serve(rendezvous.Host, rendezvous.Port, joinTimeout)
                    : TcpStore.Connect(rendezvous.Host, rendezvous.Port, joinTimeout);
                store = owned;
            }
            int rc;
            ProcessGroupHandle handle;
            var prefix = rendezvous.WorldId; // PrefixStore keys: "<world id>/<key>"
            if (backend == CollectiveBackend.Nccl)
            {
                rc = dst_dist_pg_new_nccl(store.Handle, prefix, rendezvous.Rank, rendezvous.WorldSize, timeoutMs, joinTimeoutMs, device.Index, out handle);
            }
            else
            {
                var iface = Environment.GetEnvironmentVariable("GLOO_SOCKET_IFNAME");
                var host = string.IsNullOrEmpty(iface) && IsLoopback(rendezvous.Host) ? "127.0.0.1" : null;
                rc = dst_dist_pg_new_gloo(store.Handle, prefix, rendezvous.Rank, rendezvous.WorldSize, timeoutMs, joinTimeoutMs,
                    string.IsNullOrEmpty(iface) ? null : iface, host, out handle);
            }
            if (rc != 0)
            {
                handle.Dispose();
                var message = LastNativeError();
                throw new CollectiveException($"Join (rendezvous at {store.Host}:{store.Port})", rendezvous.Rank, rendezvous.WorldId,
                    CollectiveException.Classify(message), message);
            }
            return new ProcessGroup(handle, rendezvous, device, backend, owned);
        }
        catch (TorchException e)
        {
            owned?.Dispose();
            throw new CollectiveException($"Join ({e.Op})", rendezvous.Rank, rendezvous.WorldId, CollectiveException.Classify(e.NativeMessage), e.NativeMessage, e);
        }
        catch
        {
            owned?.Dispose();
            throw;
        }
    }

    // --- Collectives

    /// <summary>Sums <paramref name="tensor"/> over every rank, in place.</summary>
    public void AllReduceSum(Tensor tensor)
    {
        using var work = AllReduceSumAsync(tensor);
        work.Wait();
    }

    /// <summary>Starts summing <paramref name="tensor"/> over every rank, in place.</summary>
    public CollectiveWork AllReduceSumAsync(Tensor tensor)
    {
        const string op = nameof(AllReduceSum);
        CheckTensor(tensor, op);
        return Started(op, dst_dist_pg_allreduce_sum(_handle, tensor.Handle, out var work), work, tensor);
    }

    /// <summary>Sums host values over every rank, in place, in float64 (losses, token counts).</summary>
    public void AllReduceSum(Span<double> values)
    {
        using var scope = TensorScope.Begin();
        var t = Tensor.FromSpan<double>(values, [values.Length]).To(Device);
        AllReduceSum(t);
        t.ToArray<double>().CopyTo(values);
    }

    /// <summary>Overwrites <paramref name="tensor"/> on every rank with rank <paramref name="root"/>'s.</summary>
    public void Broadcast(Tensor tensor, int root)
    {
        using var work = BroadcastAsync(tensor, root);
        work.Wait();
    }

    public CollectiveWork BroadcastAsync(Tensor tensor, int root)
    {
        const string op = nameof(Broadcast);
        CheckTensor(tensor, op);
        if (root < 0 || root >= WorldSize)
            throw new ArgumentOutOfRangeException(nameof(root), root, $"{op}: the root rank must be in 0-{WorldSize - 1}");
        return Started(op, dst_dist_pg_broadcast(_handle, tensor.Handle, root, out var work), work, tensor);
    }

    /// <summary>Returns when every rank has called it.</summary>
    public void Barrier()
    {
        using var work = Started(nameof(Barrier), dst_dist_pg_barrier(_handle, out var h), h);
        work.Wait();
    }

    /// <summary>Every rank's <paramref name="tensor"/> (same shape and dtype on all), stacked: (world size, ...shape).</summary>
    public Tensor AllGather(Tensor tensor)
    {
        const string op = nameof(AllGather);
        CheckTensor(tensor, op);
        long[] shape = [WorldSize, .. tensor.Shape];
        var output = Tensor.Empty(shape, tensor.DType, Device);
        try
        {
            using var work = Started(op, dst_dist_pg_allgather(_handle, tensor.Handle, output.Handle, out var h), h, tensor);
            work.Wait();
            return output;
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    /// <summary>A collective failed or the group was aborted: it is unusable; join a new world.</summary>
    public bool IsBroken => _faulted || _aborted;

    // --- Teardown

    /// <summary>
    /// Gives the group up at once, for survivors of a lost peer: later calls, and waits in progress on
    /// other threads, fail with <see cref="CollectiveFailure.Aborted"/>. NCCL's communicators are aborted;
    /// a Gloo collective still running ends on its own (a closed connection ends it at once, a hung peer at
    /// the group's timeout) and the group is destroyed in the background then.
    /// </summary>
    public void Abort()
    {
        if (_aborted || _handle.IsClosed) return;
        _aborted = true;
        Check.Ok(dst_dist_pg_abort(_handle), nameof(Abort));
    }

    /// <summary>Leaves the world. After a failure it aborts first, so that it never waits for a lost peer.</summary>
    public void Dispose()
    {
        if (_handle.IsClosed) return;
        if (_faulted) Abort();
        _handle.Dispose();
        _ownedStore?.Dispose();
    }

    public override string ToString() => $"ProcessGroup({Backend}, rank {Rank} of {WorldSize}, world '{WorldId}', {Device})";

    // --- Helpers

    /// <summary>The exception for <paramref name="op"/>'s failure as the shim reported it; marks the group faulted.</summary>
    internal CollectiveException Failure(string op, DType? dtype = null)
    {
        var message = LastNativeError();
        // The backend's type dispatch refuses a dtype before any data moves, alike on every rank: the group
        // stays usable, and the message says what to do.
        if (dtype is { } d && message.Contains("Invalid scalar type", StringComparison.Ordinal))
            return new CollectiveException(op, Rank, WorldId, CollectiveFailure.Failed,
                $"{d} tensors are not supported by {Backend} in libtorch {LibTorch.Version} ({message}): convert the tensor, e.g. to Float32");
        return Failure(op, _aborted ? CollectiveFailure.Aborted : CollectiveException.Classify(message), message);
    }

    internal CollectiveException Failure(string op, CollectiveFailure failure, string message)
    {
        _faulted = true;
        return new CollectiveException(op, Rank, WorldId, failure, message);
    }

    internal void ThrowIfAborted(string op)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (_aborted) throw Failure(op, CollectiveFailure.Aborted, CollectiveException.AbortedMessage);
    }

    private CollectiveWork Started(string op, int rc, WorkHandle work, Tensor? tensor = null)
    {
        if (rc != 0)
        {
            work.Dispose();
            throw Failure(op, tensor?.DType);
        }
        return new CollectiveWork(this, op, work, tensor?.DType);
    }

    private void CheckTensor(Tensor tensor, string op)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ThrowIfAborted(op);
        if (tensor.Device != Device)
            throw new ArgumentException($"{op}: the tensor is on {tensor.Device} but this {Backend} group works on {Device}", nameof(tensor));
        if (!tensor.IsContiguous)
            throw new ArgumentException($"{op}: the tensor is not contiguous; pass a contiguous copy (Contiguous())", nameof(tensor));
    }

    private static void RequireBackend(CollectiveBackend backend)
    {
        if (backend == CollectiveBackend.Gloo && !LibTorch.HasGloo)
            throw new NotSupportedException(
                "this build of the native shim has no Gloo collectives (CPU): install libgloo-dev and rebuild it with infra/setup.sh");
        if (backend == CollectiveBackend.Nccl && !LibTorch.HasNccl)
            throw new NotSupportedException(
                "this build of the native shim has no NCCL collectives (CUDA): build it against a pip torch with CUDA (infra/gpu/run.sh)");
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));

    private static string LastNativeError() => Marshal.PtrToStringUTF8(dst_last_error()) ?? "(no message)";
}
