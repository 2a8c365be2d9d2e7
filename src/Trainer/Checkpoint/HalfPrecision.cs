using System.Buffers.Binary;

namespace Distributed.Trainer.Checkpoint;

/// <summary>
/// float &lt;-&gt; bfloat16 / IEEE half conversions and little-endian byte packing, for building and checking
/// tensor data without the tensor binding. .NET has <see cref="Half"/> but no public bfloat16 type.
/// </summary>
public static class HalfPrecision
{
    /// <summary>bfloat16 bits of <paramref name="value"/>, rounded to nearest, ties to even (as torch does).</summary>
    public static ushort SingleToBFloat16(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        // Rounding could carry a NaN's payload into the exponent and make it infinity; keep it a quiet NaN.
        if (float.IsNaN(value))
            return (ushort)((bits >> 16) | 0x0040);
        var roundingBias = 0x7FFFu + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }

    /// <summary>Exact: every bfloat16 is a float with the low 16 mantissa bits zero.</summary>
    public static float BFloat16ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>IEEE binary16 bits of <paramref name="value"/>, rounded to nearest, ties to even.</summary>
    public static ushort SingleToHalf(float value) => BitConverter.HalfToUInt16Bits((Half)value);

    public static float HalfToSingle(ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits);

    public static byte[] ToBFloat16Bytes(ReadOnlySpan<float> values) => Pack16(values, SingleToBFloat16);

    public static byte[] ToHalfBytes(ReadOnlySpan<float> values) => Pack16(values, SingleToHalf);

    public static byte[] ToSingleBytes(ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }

    public static float[] FromBFloat16Bytes(ReadOnlySpan<byte> bytes) => Unpack16(bytes, BFloat16ToSingle);

    public static float[] FromHalfBytes(ReadOnlySpan<byte> bytes) => Unpack16(bytes, HalfToSingle);

    public static float[] FromSingleBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % 4 != 0)
            throw new ArgumentException($"{bytes.Length} bytes is not a whole number of 4-byte floats", nameof(bytes));
        var values = new float[bytes.Length / 4];
        for (var i = 0; i < values.Length; i++)
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]);
        return values;
    }

    private static byte[] Pack16(ReadOnlySpan<float> values, Func<float, ushort> convert)
    {
        var bytes = new byte[values.Length * 2];
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), convert(values[i]));
        return bytes;
    }

    private static float[] Unpack16(ReadOnlySpan<byte> bytes, Func<ushort, float> convert)
    {
        if (bytes.Length % 2 != 0)
            throw new ArgumentException($"{bytes.Length} bytes is not a whole number of 2-byte values", nameof(bytes));
        var values = new float[bytes.Length / 2];
        for (var i = 0; i < values.Length; i++)
            values[i] = convert(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i * 2)..]));
        return values;
    }
}
