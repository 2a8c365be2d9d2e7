using Distributed.Trainer.Checkpoint;

namespace Distributed.Trainer.Tests.Checkpoint;

public sealed class HalfPrecisionTests
{
    // bfloat16 keeps 7 mantissa bits: around 1.0 its step is 2^-7, so 1 + 2^-8 is exactly half a step.
    [Theory]
    [InlineData(1.0f, 0x3F80)]
    [InlineData(-2.0f, 0xC000)]
    [InlineData(0.0f, 0x0000)]
    [InlineData(-0.0f, 0x8000)]
    [InlineData(1.00390625f, 0x3F80)] // 1 + 2^-8: a tie, rounds to the even 0x3F80
    [InlineData(1.01171875f, 0x3F82)] // 1 + 3 * 2^-8: a tie, rounds to the even 0x3F82 (not 0x3F81)
    [InlineData(1.0039064f, 0x3F81)] // one float above the tie (0x3F808001): rounds up
    [InlineData(3.4028235e38f, 0x7F80)] // float.MaxValue rounds to infinity
    [InlineData(float.PositiveInfinity, 0x7F80)]
    [InlineData(float.NegativeInfinity, 0xFF80)]
    [InlineData(1e-40f, 0x0001)] // subnormal floats stay subnormal: 1e-40 is 0x000116C2
    public void Float_to_bf16_rounds_to_nearest_even(float value, int expected)
    {
        Assert.Equal((ushort)expected, HalfPrecision.SingleToBFloat16(value));
    }

    [Fact]
    public void Nan_stays_nan_even_when_rounding_would_carry_into_the_exponent()
    {
        // A NaN whose payload sits only in the low bits would become infinity if rounded.
        var lowPayloadNan = BitConverter.UInt32BitsToSingle(0x7F80_0001);
        var maxPayloadNan = BitConverter.UInt32BitsToSingle(0x7FFF_FFFF);

        Assert.True(float.IsNaN(HalfPrecision.BFloat16ToSingle(HalfPrecision.SingleToBFloat16(lowPayloadNan))));
        Assert.True(float.IsNaN(HalfPrecision.BFloat16ToSingle(HalfPrecision.SingleToBFloat16(maxPayloadNan))));
        Assert.True(float.IsNaN(HalfPrecision.BFloat16ToSingle(HalfPrecision.SingleToBFloat16(float.NaN))));
    }

    [Fact]
    public void Every_bf16_value_round_trips_exactly()
    {
        for (var bits = 0; bits <= ushort.MaxValue; bits++)
        {
            var value = HalfPrecision.BFloat16ToSingle((ushort)bits);
            if (float.IsNaN(value))
                continue;
            Assert.Equal((ushort)bits, HalfPrecision.SingleToBFloat16(value));
        }
    }

    [Theory]
    [InlineData(1.0f, 0x3C00)]
    [InlineData(65504f, 0x7BFF)] // largest finite half
    [InlineData(65520f, 0x7C00)] // halfway to the next power: rounds to infinity
    [InlineData(1.00048828125f, 0x3C00)] // 1 + 2^-11: a tie, rounds to even
    [InlineData(-0.333333343f, 0xB555)]
    public void Float_to_half_rounds_to_nearest_even(float value, int expected)
    {
        Assert.Equal((ushort)expected, HalfPrecision.SingleToHalf(value));
    }

    [Fact]
    public void Byte_packing_is_little_endian()
    {
        Assert.Equal(new byte[] { 0x80, 0x3F, 0x00, 0xC0 }, HalfPrecision.ToBFloat16Bytes([1f, -2f]));
        Assert.Equal(new byte[] { 0x00, 0x3C }, HalfPrecision.ToHalfBytes([1f]));
        Assert.Equal(new byte[] { 0x00, 0x00, 0x80, 0x3F }, HalfPrecision.ToSingleBytes([1f]));
        Assert.Equal([1f, -2f], HalfPrecision.FromBFloat16Bytes([0x80, 0x3F, 0x00, 0xC0]));
        Assert.Equal([1f], HalfPrecision.FromHalfBytes([0x00, 0x3C]));
        Assert.Throws<ArgumentException>(() => HalfPrecision.FromBFloat16Bytes([1, 2, 3]));
        Assert.Throws<ArgumentException>(() => HalfPrecision.FromSingleBytes([1, 2, 3]));
    }
}
