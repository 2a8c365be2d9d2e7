using Distributed.Trainer.Checkpoint;
using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Training.Checkpoints;

/// <summary>
/// A tensor copied to host memory: name, dtype, shape and its little-endian bytes (a managed array, or a view of a
/// session's snapshot buffers, valid while the snapshot holds them: see <see cref="TrainingSnapshot"/>).
/// </summary>
public sealed record HostTensor(string Name, DType DType, long[] Shape, ReadOnlyMemory<byte> Bytes)
{
    /// <summary>Copies <paramref name="tensor"/> (any device) into host memory; reading it waits for the device.</summary>
    public static HostTensor Of(string name, Tensor tensor)
    {
        // Uninitialized: every byte is overwritten by the copy, and zeroing gigabytes first would double the stall.
        var bytes = GC.AllocateUninitializedArray<byte>(checked((int)(tensor.NumEl * tensor.DType.ElementSize())));
        tensor.CopyTo(bytes);
        return new HostTensor(name, tensor.DType, tensor.Shape, bytes);
    }

    /// <summary>A new CPU tensor holding these values.</summary>
    public Tensor ToTensor() => Tensor.FromBytes(Bytes.Span, DType, Shape);

    /// <summary>Queues the bytes in a safetensors writer.</summary>
    public void AddTo(SafetensorsWriter writer) => writer.Add(Name, TensorFiles.ToSafetensors(DType), Shape, Bytes);

    /// <summary>Every tensor of a safetensors source, copied out.</summary>
    public static List<HostTensor> ReadAll(ISafetensorsSource source) =>
        [.. source.Names.Select(n => new HostTensor(n, TensorFiles.ToDType(source.GetEntry(n).Dtype), source.GetEntry(n).Shape, Copy(source.GetBytes(n))))];

    // Uninitialized: every byte is overwritten (zeroing gigabytes first costs as much as the copy).
    private static byte[] Copy(ReadOnlySpan<byte> bytes)
    {
        var copy = GC.AllocateUninitializedArray<byte>(bytes.Length);
        bytes.CopyTo(copy);
        return copy;
    }
}
