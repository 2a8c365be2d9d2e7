namespace Distributed.Trainer.Checkpoint;

/// <summary>
/// One tensor of a safetensors file. <paramref name="DataOffset"/> is relative to the first byte after the
/// header, as in the file's <c>data_offsets</c>.
/// </summary>
public sealed record SafetensorsEntry(string Name, SafetensorsDtype Dtype, long[] Shape, long DataOffset, long ByteLength)
{
    /// <summary>Product of the shape; 1 for a scalar (empty shape).</summary>
    public long ElementCount => ByteLength / Dtype.SizeOf();
}
