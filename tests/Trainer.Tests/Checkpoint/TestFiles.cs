using System.Buffers.Binary;
using System.Text;

namespace Distributed.Trainer.Tests.Checkpoint;

/// <summary>
/// Builds safetensors bytes by hand, straight from the format description (u64 little-endian header length,
/// the header's UTF-8 bytes, the data), independent of <c>SafetensorsWriter</c>.
/// </summary>
internal static class TestFiles
{
    /// <summary>Header padded with spaces to a multiple of 8, as the reference writer does.</summary>
    public static byte[] Safetensors(string header, params byte[][] data)
    {
        var headerBytes = Encoding.UTF8.GetBytes(header);
        var padded = (headerBytes.Length + 7) / 8 * 8;
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded);
        return [.. prefix, .. headerBytes, .. Enumerable.Repeat((byte)' ', padded - headerBytes.Length), .. data.SelectMany(d => d)];
    }

    /// <summary>A raw file: any header length prefix, any header bytes, any data.</summary>
    public static byte[] Raw(ulong headerLength, byte[] header, byte[] data)
    {
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, headerLength);
        return [.. prefix, .. header, .. data];
    }

    public static byte[] F32(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }

    public static byte[] I64(params long[] values)
    {
        var bytes = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
        return bytes;
    }

    /// <summary>bfloat16 of values that are exact in bfloat16: the top 16 bits of the float, by hand.</summary>
    public static byte[] ExactBf16(params float[] values)
    {
        var bytes = new byte[values.Length * 2];
        for (var i = 0; i < values.Length; i++)
        {
            var bits = BitConverter.SingleToUInt32Bits(values[i]);
            Assert.Equal(0u, bits & 0xFFFF);
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), (ushort)(bits >> 16));
        }
        return bytes;
    }
}

/// <summary>A fresh directory per test, deleted afterwards.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("safetensors-test-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Write(string name, byte[] bytes)
    {
        var path = File(name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    public string[] FileNames() => [.. Directory.GetFiles(Path).Select(System.IO.Path.GetFileName).Order(StringComparer.Ordinal)!];

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
