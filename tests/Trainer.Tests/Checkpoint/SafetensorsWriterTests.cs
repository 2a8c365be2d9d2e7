using System.Buffers.Binary;
using System.Text;
using Distributed.Trainer.Checkpoint;

namespace Distributed.Trainer.Tests.Checkpoint;

public sealed class SafetensorsWriterTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Writes_the_same_bytes_as_python_safetensors()
    {
        var writer = new SafetensorsWriter();
        writer.Metadata["format"] = "pt";
        // Added in another order than the file's: the writer sorts as the reference does.
        writer.Add("weight", SafetensorsDtype.F32, [2, 2], TestFiles.F32(1, 2, 3, 4));
        writer.Add("bias", SafetensorsDtype.BF16, [2], HalfPrecision.ToBFloat16Bytes([0.5f, -2f]));
        writer.Add("step", SafetensorsDtype.I64, [], TestFiles.I64(7));
        var path = _dir.File("model.safetensors");

        writer.Write(path);

        Assert.Equal(SafetensorsFileTests.PythonFileBytes(), File.ReadAllBytes(path));
    }

    [Fact]
    public void Writes_the_reference_alignment_example_byte_for_byte()
    {
        var writer = new SafetensorsWriter();
        writer.Add("attn0", SafetensorsDtype.F32, [1, 1, 2, 3], TestFiles.F32(0, 1, 2, 3, 4, 5));
        var path = _dir.File("attn.safetensors");

        writer.Write(path);

        var expected = TestFiles.Raw(72,
            Encoding.UTF8.GetBytes("""{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}""" + "       "),
            TestFiles.F32(0, 1, 2, 3, 4, 5));
        Assert.Equal(expected, File.ReadAllBytes(path));
    }

    [Fact]
    public void Writes_the_reference_empty_file_with_metadata()
    {
        var writer = new SafetensorsWriter();
        writer.Metadata["framework"] = "pt";
        var path = _dir.File("empty.safetensors");

        writer.Write(path);

        // 35 header bytes padded to 40, no data: the reference serializer's output for no tensors.
        var expected = TestFiles.Raw(40, Encoding.UTF8.GetBytes("""{"__metadata__":{"framework":"pt"}}""" + "     "), []);
        Assert.Equal(expected, File.ReadAllBytes(path));
    }

    [Fact]
    public void Round_trips_every_dtype_with_metadata_and_aligned_data()
    {
        var writer = new SafetensorsWriter();
        writer.Metadata["format"] = "pt";
        writer.Metadata["step"] = "1200";
        writer.Metadata["note"] = "ünïcode, <html> & \"quotes\"";
        var rng = new Random(1234);
        var expected = new Dictionary<string, (SafetensorsDtype Dtype, long[] Shape, byte[] Bytes)>();
        foreach (var dtype in Enum.GetValues<SafetensorsDtype>())
        {
            long[] shape = [3, 1 + (int)dtype % 4];
            var bytes = new byte[shape[0] * shape[1] * dtype.SizeOf()];
            rng.NextBytes(bytes);
            var name = $"model.layers.{(int)dtype}.{dtype.ToHeaderName().ToLowerInvariant()}";
            expected[name] = (dtype, shape, bytes);
            writer.Add(name, dtype, shape, bytes);
        }
        var path = _dir.File("all.safetensors");

        writer.Write(path);

        var raw = File.ReadAllBytes(path);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(raw);
        Assert.Equal(0ul, headerLength % 8);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(writer.Metadata, file.Metadata);
        Assert.Equal(expected.Count, file.Entries.Count);
        foreach (var entry in file.Entries)
        {
            var (dtype, shape, bytes) = expected[entry.Name];
            Assert.Equal(dtype, entry.Dtype);
            Assert.Equal(shape, entry.Shape);
            Assert.Equal(bytes, file.GetBytes(entry.Name).ToArray());
            // Sorting by descending element size keeps every tensor aligned to its element size in the file.
            Assert.Equal(0, (8 + (long)headerLength + entry.DataOffset) % dtype.SizeOf());
        }
        Assert.Equal(file.Entries.Select(e => e.Dtype).OrderDescending(), file.Entries.Select(e => e.Dtype));
        Assert.Equal(writer.DataBytes, file.Entries.Sum(e => e.ByteLength));
    }

    [Fact]
    public void Bf16_round_trip_keeps_the_rounded_values()
    {
        float[] values = [1f, -0.1f, 3.14159f, 65504f, 1e-20f, float.PositiveInfinity];
        var writer = new SafetensorsWriter();
        writer.Add("w", SafetensorsDtype.BF16, [2, 3], HalfPrecision.ToBFloat16Bytes(values));
        writer.Add("h", SafetensorsDtype.F16, [6], HalfPrecision.ToHalfBytes(values));
        var path = _dir.File("half.safetensors");

        writer.Write(path);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(values.Select(v => HalfPrecision.BFloat16ToSingle(HalfPrecision.SingleToBFloat16(v))), HalfPrecision.FromBFloat16Bytes(file.GetBytes("w")));
        Assert.Equal([1f, -0.099975586f, 3.140625f, 65504f, 0f, float.PositiveInfinity], HalfPrecision.FromHalfBytes(file.GetBytes("h")));
        Assert.Equal(-0.10009765625f, HalfPrecision.FromBFloat16Bytes(file.GetBytes("w"))[1]);
    }

    [Fact]
    public void Callback_writes_the_data_in_the_file_order()
    {
        var writer = new SafetensorsWriter();
        var calls = new List<string>();
        writer.Add("b", SafetensorsDtype.U8, [2], s => { calls.Add("b"); s.Write([1, 2]); });
        writer.Add("a", SafetensorsDtype.U8, [1], s => { calls.Add("a"); s.WriteByte(3); });
        writer.Add("c", SafetensorsDtype.I32, [1], s => { calls.Add("c"); s.Write(BitConverter.GetBytes(-5)); });
        var path = _dir.File("cb.safetensors");

        writer.Write(path);

        Assert.Equal(["c", "a", "b"], calls);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(new byte[] { 3 }, file.GetBytes("a").ToArray());
        Assert.Equal(new byte[] { 1, 2 }, file.GetBytes("b").ToArray());
        Assert.Equal(-5, BitConverter.ToInt32(file.GetBytes("c")));
    }

    [Fact]
    public void Failing_callback_leaves_the_previous_file_intact_and_no_temporary_file()
    {
        var path = _dir.File("model.safetensors");
        var good = new SafetensorsWriter();
        good.Add("w", SafetensorsDtype.F32, [2], TestFiles.F32(1, 2));
        good.Write(path);
        var before = File.ReadAllBytes(path);

        var failing = new SafetensorsWriter();
        failing.Add("a", SafetensorsDtype.F32, [1024], new byte[4096]);
        failing.Add("b", SafetensorsDtype.F32, [1024], s =>
        {
            s.Write(new byte[2000]);
            throw new IOException("device lost mid-copy");
        });

        var e = Assert.Throws<IOException>(() => failing.Write(path));

        Assert.Equal("device lost mid-copy", e.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["model.safetensors"], _dir.FileNames());
    }

    [Fact]
    public void Failing_first_write_leaves_no_file_at_all()
    {
        var writer = new SafetensorsWriter();
        writer.Add("a", SafetensorsDtype.U8, [8], _ => throw new InvalidOperationException("boom"));

        Assert.Throws<InvalidOperationException>(() => writer.Write(_dir.File("new.safetensors")));

        Assert.Empty(_dir.FileNames());
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public void Callback_writing_the_wrong_length_fails_and_leaves_no_file(int written)
    {
        var writer = new SafetensorsWriter();
        writer.Add("a", SafetensorsDtype.F32, [1], s => s.Write(new byte[written]));

        var e = Assert.Throws<InvalidOperationException>(() => writer.Write(_dir.File("bad.safetensors")));

        Assert.Contains($"tensor 'a': the data callback wrote {written} bytes, expected 4", e.Message);
        Assert.Empty(_dir.FileNames());
    }

    [Fact]
    public void Add_rejects_inconsistent_tensors()
    {
        var writer = new SafetensorsWriter();
        writer.Add("a", SafetensorsDtype.U8, [1], new byte[1]);

        Assert.Contains("already added", Assert.Throws<ArgumentException>(() => writer.Add("a", SafetensorsDtype.U8, [1], new byte[1])).Message);
        Assert.Contains("reserved", Assert.Throws<ArgumentException>(() => writer.Add("__metadata__", SafetensorsDtype.U8, [1], new byte[1])).Message);
        Assert.Contains("7 bytes given, F32 shape [2] needs 8", Assert.Throws<ArgumentException>(() => writer.Add("b", SafetensorsDtype.F32, [2], new byte[7])).Message);
        Assert.Contains("negative dimension", Assert.Throws<ArgumentException>(() => writer.Add("c", SafetensorsDtype.F32, [-1], _ => { })).Message);
        Assert.Equal(1, writer.Count);
    }
}
