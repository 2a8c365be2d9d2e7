using System.Buffers;

namespace Distributed.Trainer.Training.Checkpoints;

/// <summary>
/// A snapshot buffer's bytes (native memory) seen as <see cref="Memory{T}"/>, so host tensors can point into the
/// buffers without a managed copy. It owns nothing; once the buffers are freed, reading throws instead of reading
/// freed memory.
/// </summary>
internal sealed unsafe class UnmanagedBytes(SnapshotStaging owner, nint address, int length) : MemoryManager<byte>
{
    public override Span<byte> GetSpan()
    {
        if (owner.IsFreed)
            throw new ObjectDisposedException(nameof(TrainingSnapshot),
                "this snapshot's session was disposed and its host buffers freed after the snapshot was: keep the session, or TrainingSnapshot.Copy() the snapshot first");
        return new((void*)address, length);
    }

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ObjectDisposedException.ThrowIf(owner.IsFreed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, length);
        return new MemoryHandle((byte*)address + elementIndex);
    }

    public override void Unpin()
    {
        // Native memory does not move.
    }

    protected override void Dispose(bool disposing)
    {
        // The native memory belongs to its owner.
    }
}
