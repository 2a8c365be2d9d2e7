using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Training.Checkpoints;

/// <summary>
/// The host buffers a session's snapshots are copied into, allocated once and reused by every snapshot: page-locked
/// (pinned) memory for a CUDA session, so the device-to-host copies run by DMA at the bus's speed without page faults
/// or the driver's staging of pageable copies. On CUDA the copies are queued on a side stream after the work already
/// queued for training and return at once; training goes on while they run, and the next write of the sources (the
/// optimizer step, a restore) first makes the training stream wait for them (<see cref="BeforeSourcesChange"/>), so a
/// snapshot is always the state at its step boundary. On the CPU the copies are plain synchronous copies.
/// A snapshot borrows the buffers through a <see cref="SnapshotLease"/> until its writer is done with it: the next
/// snapshot refuses to start while the buffers are borrowed, so no snapshot ever overwrites one still being written.
/// </summary>
internal sealed class SnapshotStaging : IDisposable
{
    // Buffers are cut into chunks so that a large model is not one huge pinned allocation (the caching host allocator
    // rounds each allocation up to a power of two); offsets are aligned for DMA.
    private const long ChunkBytes = 1L << 30;
    private const long AlignmentBytes = 512;

    private readonly Lock _gate = new();
    private readonly Device _device;
    private readonly (DType DType, long[] Shape)[] _layout;
    private readonly Task _allocation;
    private readonly CudaStream? _stream;
    private readonly CudaEvent? _sourcesReady;
    private readonly CudaEvent? _copied;
    private readonly List<Tensor> _buffers = [];
    private Tensor[] _destinations = [];
    private ReadOnlyMemory<byte>[] _memory = [];
    private bool _copyPending;
    private SnapshotLease? _lease;
    private bool _disposed;
    private volatile bool _freed;

    /// <summary>Buffers for tensors of these dtypes and shapes, in this order. On CUDA they are allocated on a background thread.</summary>
    public SnapshotStaging(IReadOnlyList<(DType DType, long[] Shape)> layout, Device device)
    {
        _layout = [.. layout.Select(l => (l.DType, (long[])l.Shape.Clone()))];
        _device = device;
        if (device.IsCuda)
        {
            _stream = CudaStream.FromPool(device.Index);
            _sourcesReady = new CudaEvent();
            _copied = new CudaEvent();
            // Pinning gigabytes takes seconds: done beside training, well before the first checkpoint is due.
            _allocation = Task.Run(Allocate);
        }
        else
        {
            Allocate();
            _allocation = Task.CompletedTask;
        }
    }

    /// <summary>Whether the buffers are gone: the session was disposed and no snapshot holds them.</summary>
    public bool IsFreed => _freed;

    /// <summary>Whether these buffers were built for tensors of the slots' dtypes and shapes.</summary>
    public bool Fits(IReadOnlyList<SnapshotSlot> slots) =>
        slots.Count == _layout.Length && slots.Select((s, i) => s.Source.DType == _layout[i].DType && s.Source.Shape.SequenceEqual(_layout[i].Shape)).All(x => x);

    /// <summary>
    /// Starts copying the slots' sources into the buffers and lends them to the new snapshot: the host tensors it
    /// returns are views of the buffers, valid once <see cref="SnapshotLease.WaitCopied"/> returns and until the lease
    /// is disposed. Call it on the training thread, at a step boundary.
    /// </summary>
    public SnapshotLease Copy(IReadOnlyList<SnapshotSlot> slots, out IReadOnlyList<HostTensor> hosts)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_lease is not null)
                throw new InvalidOperationException(
                    "a snapshot of this session still holds its host buffers: dispose it (checkpoint writers do once its files are written) before taking the next");
        }
        _allocation.GetAwaiter().GetResult();
        if (!Fits(slots)) throw new InvalidOperationException("the session's tensors changed dtype or shape since its snapshot buffers were built");
        using (NoGradScope.Begin())
        {
            if (_stream is not null)
            {
                // The side stream starts after everything queued for training so far: the copies see this step boundary.
                _sourcesReady!.Record(null, _device.Index);
                _sourcesReady.Block(_stream);
                _stream.Copy(_destinations, [.. slots.Select(s => s.Source)]);
                _copied!.Record(_stream);
                _copyPending = true;
            }
            else
            {
                for (var i = 0; i < slots.Count; i++) _destinations[i].Copy_(slots[i].Source);
            }
        }
        var lease = new SnapshotLease(this);
        lock (_gate) _lease = lease;
        hosts = [.. slots.Select((s, i) => new HostTensor(s.Name, s.Source.DType, s.Shape, _memory[i]))];
        return lease;
    }

    /// <summary>
    /// Call on the training thread before anything writes the sources of the last snapshot (the optimizer step, a
    /// restore): the training stream waits on the device until the copies are done; the host does not wait.
    /// </summary>
    public void BeforeSourcesChange()
    {
        if (!_copyPending) return;
        _copied!.Block(null, _device.Index);
        _copyPending = false;
    }

    /// <summary>Waits on the host until the last snapshot's copies are in the buffers.</summary>
    internal void WaitCopied() => _copied?.Synchronize();

    internal void Release(SnapshotLease lease)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_lease, lease)) return;
            _lease = null;
            if (_disposed) Free();
        }
    }

    /// <summary>Waits for copies in flight; the buffers are freed now, or when the snapshot still holding them is disposed.</summary>
    public void Dispose()
    {
        try
        {
            _allocation.Wait();
        }
        catch (AggregateException)
        {
            // A failed allocation left nothing to free but what Free disposes anyway.
        }
        if (_copyPending) _copied!.Synchronize();
        _copyPending = false;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            if (_lease is null) Free();
        }
    }

    private void Allocate()
    {
        var pinned = _device.IsCuda;
        var destinations = new Tensor[_layout.Length];
        var memory = new ReadOnlyMemory<byte>[_layout.Length];
        // Per dtype, tensors are packed in order into chunks of up to ChunkBytes (a larger tensor gets its own).
        foreach (var group in _layout.Select((l, i) => (l.DType, l.Shape, Index: i)).GroupBy(x => x.DType))
        {
            var dtype = group.Key;
            var size = dtype.ElementSize();
            var align = Math.Max(1, AlignmentBytes / size);
            var pending = new List<(int Index, long Offset, long Count)>();
            long used = 0;
            void Flush()
            {
                if (pending.Count == 0) return;
                var buffer = Tensor.Empty([used], dtype, Device.Cpu, pinned);
                TensorScope.Untrack(buffer);
                _buffers.Add(buffer);
                var address = buffer.DataPointer;
                foreach (var (index, offset, count) in pending)
                {
                    using (var slice = buffer.Narrow(0, offset, count)) destinations[index] = slice.View(_layout[index].Shape);
                    TensorScope.Untrack(destinations[index]);
                    memory[index] = new UnmanagedBytes(this, address + (nint)(offset * size), checked((int)(count * size))).Memory;
                }
                pending.Clear();
                used = 0;
            }
            foreach (var (_, shape, index) in group)
            {
                var count = shape.Aggregate(1L, (a, b) => a * b);
                var start = (used + align - 1) / align * align;
                if (pending.Count > 0 && (start + count) * size > ChunkBytes)
                {
                    Flush();
                    start = 0;
                }
                pending.Add((index, start, count));
                used = start + count;
            }
            Flush();
        }
        _destinations = destinations;
        _memory = memory;
    }

    // Under _gate, once: nothing borrows the buffers any more.
    private void Free()
    {
        if (_freed) return;
        _freed = true; // first: a read that races the free throws rather than reading freed memory
        foreach (var t in _destinations) t?.Dispose();
        foreach (var b in _buffers) b.Dispose();
        _buffers.Clear();
        _stream?.Dispose();
        _sourcesReady?.Dispose();
        _copied?.Dispose();
    }
}
