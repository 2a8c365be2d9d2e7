using System.Text;
using Distributed.Trainer.Checkpoint;

namespace Distributed.Trainer.Tests.Checkpoint;

public sealed class SafetensorsFileTests : IDisposable
{
    /// <summary>
    /// What Python safetensors writes for
    /// <c>save_file({"weight": torch.tensor([[1., 2.], [3., 4.]]), "bias": torch.tensor([0.5, -2.0], dtype=torch.bfloat16),
    /// "step": torch.tensor(7)}, path, metadata={"format": "pt"})</c>, built by hand from the reference serializer's
    /// rules (safetensors/src/tensor.rs, <c>prepare</c>): tensors sorted by descending dtype (I64 > F32 > BF16) then
    /// name, <c>__metadata__</c> first, serde_json's compact form with fields dtype, shape, data_offsets, the header
    /// padded with spaces to a multiple of 8.
    /// </summary>
    internal const string PythonHeader =
        """{"__metadata__":{"format":"pt"},"step":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"weight":{"dtype":"F32","shape":[2,2],"data_offsets":[8,24]},"bias":{"dtype":"BF16","shape":[2],"data_offsets":[24,28]}}""";

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    internal static byte[] PythonFileBytes() =>
        TestFiles.Safetensors(PythonHeader, TestFiles.I64(7), TestFiles.F32(1, 2, 3, 4), TestFiles.ExactBf16(0.5f, -2.0f));

    [Fact]
    public void Reads_the_file_python_safetensors_writes()
    {
        var bytes = PythonFileBytes();
        // 207 header bytes pad to 208: the data region starts 8-byte aligned at 216.
        Assert.Equal(208ul, BitConverter.ToUInt64(bytes, 0));
        Assert.Equal(216 + 28, bytes.Length);
        using var file = SafetensorsFile.Open(_dir.Write("model.safetensors", bytes));

        Assert.Equal(["step", "weight", "bias"], file.Entries.Select(e => e.Name));
        Assert.Equal(new Dictionary<string, string> { ["format"] = "pt" }, file.Metadata);

        var step = file.GetEntry("step");
        Assert.Equal(SafetensorsDtype.I64, step.Dtype);
        Assert.Empty(step.Shape);
        Assert.Equal(1, step.ElementCount);
        Assert.Equal(TestFiles.I64(7), file.GetBytes("step").ToArray());

        var weight = file.GetEntry("weight");
        Assert.Equal(SafetensorsDtype.F32, weight.Dtype);
        Assert.Equal([2L, 2L], weight.Shape);
        Assert.Equal(8, weight.DataOffset);
        Assert.Equal(16, weight.ByteLength);
        Assert.Equal([1f, 2f, 3f, 4f], HalfPrecision.FromSingleBytes(file.GetBytes("weight")));

        var bias = file.GetEntry("bias");
        Assert.Equal(SafetensorsDtype.BF16, bias.Dtype);
        Assert.Equal([0.5f, -2f], HalfPrecision.FromBFloat16Bytes(file.GetBytes("bias")));
    }

    [Fact]
    public void Reads_the_reference_alignment_example()
    {
        // The reference crate's alignment example: one F32 tensor "attn0" of shape [1, 1, 2, 3] holding 0..5;
        // its 65-byte header is padded with 7 spaces to 72 so the floats start at byte 80.
        var header = """{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}""";
        Assert.Equal(65, Encoding.UTF8.GetByteCount(header));
        var bytes = TestFiles.Raw(72, Encoding.UTF8.GetBytes(header + "       "), TestFiles.F32(0, 1, 2, 3, 4, 5));

        using var file = SafetensorsFile.Open(_dir.Write("attn.safetensors", bytes));

        var entry = Assert.Single(file.Entries);
        Assert.Equal([1L, 1L, 2L, 3L], entry.Shape);
        Assert.Equal(6, entry.ElementCount);
        Assert.Empty(file.Metadata);
        Assert.Equal([0f, 1f, 2f, 3f, 4f, 5f], HalfPrecision.FromSingleBytes(file.GetBytes("attn0")));
    }

    [Fact]
    public unsafe void Pointer_points_at_the_same_bytes_as_the_span()
    {
        using var file = SafetensorsFile.Open(_dir.Write("model.safetensors", PythonFileBytes()));

        foreach (var entry in file.Entries)
        {
            var span = file.GetBytes(entry.Name);
            fixed (byte* spanStart = span)
                Assert.True(file.GetPointer(entry.Name) == spanStart);
            Assert.Equal(entry.ByteLength, span.Length);
        }
        // The data region begins 8 + 208 bytes into the file, which the mapping places at a page boundary.
        Assert.Equal(0, (long)file.GetPointer("step") % 8);
    }

    [Fact]
    public void Empty_file_with_no_tensors_is_valid()
    {
        using var file = SafetensorsFile.Open(_dir.Write("empty.safetensors", TestFiles.Safetensors("{}")));

        Assert.Empty(file.Entries);
        Assert.Empty(file.Metadata);
    }

    [Fact]
    public void Zero_element_tensors_share_an_offset()
    {
        var header = """{"a":{"dtype":"F32","shape":[0,4],"data_offsets":[0,0]},"b":{"dtype":"U8","shape":[3],"data_offsets":[0,3]},"c":{"dtype":"I32","shape":[0],"data_offsets":[3,3]}}""";
        using var file = SafetensorsFile.Open(_dir.Write("z.safetensors", TestFiles.Safetensors(header, [7, 8, 9])));

        Assert.Equal(0, file.GetEntry("a").ElementCount);
        Assert.Equal(0, file.GetBytes("c").Length);
        Assert.Equal(new byte[] { 7, 8, 9 }, file.GetBytes("b").ToArray());
    }

    [Fact]
    public void Unknown_name_throws_naming_the_file_and_tensor()
    {
        var path = _dir.Write("model.safetensors", PythonFileBytes());
        using var file = SafetensorsFile.Open(path);

        Assert.False(file.Contains("missing"));
        Assert.False(file.TryGetEntry("missing", out _));
        var e = Assert.Throws<KeyNotFoundException>(() => file.GetEntry("missing"));
        Assert.Contains(path, e.Message);
        Assert.Contains("'missing'", e.Message);
    }

    [Fact]
    public void Access_after_dispose_throws()
    {
        var file = SafetensorsFile.Open(_dir.Write("model.safetensors", PythonFileBytes()));
        file.Dispose();
        file.Dispose();

        Assert.Throws<ObjectDisposedException>(() => file.GetBytes("step").Length);
    }

    [Fact]
    public void Open_file_can_be_replaced_by_an_atomic_write()
    {
        // A reader holding a mapping must not block a new checkpoint from being renamed over the file.
        var path = _dir.Write("model.safetensors", PythonFileBytes());
        using var old = SafetensorsFile.Open(path);
        var writer = new SafetensorsWriter();
        writer.Add("x", SafetensorsDtype.U8, [1], new byte[] { 42 });

        writer.Write(path);

        Assert.Equal(TestFiles.I64(7), old.GetBytes("step").ToArray());
        using var updated = SafetensorsFile.Open(path);
        Assert.Equal(new byte[] { 42 }, updated.GetBytes("x").ToArray());
    }

    [Fact]
    public unsafe void Tensor_over_2_GiB_is_reachable_through_the_pointer()
    {
        // A sparse file: the 2 GiB + 8 of zeros take no disk space, only the marker byte at the end does.
        const long size = (1L << 31) + 8;
        var path = _dir.File("big.safetensors");
        var bytes = TestFiles.Safetensors($$$"""{"big":{"dtype":"U8","shape":[{{{size}}}],"data_offsets":[0,{{{size}}}]}}""");
        using (var stream = new FileStream(path, FileMode.CreateNew))
        {
            stream.Write(bytes);
            stream.SetLength(bytes.Length + size);
            stream.Seek(-1, SeekOrigin.End);
            stream.WriteByte(0x5A);
        }

        using var file = SafetensorsFile.Open(path);

        Assert.Equal(size, file.GetEntry("big").ByteLength);
        var e = Assert.Throws<InvalidOperationException>(() => file.GetBytes("big").Length);
        Assert.Contains("use GetPointer", e.Message);
        var start = file.GetPointer("big");
        Assert.Equal(0, start[0]);
        Assert.Equal(0x5A, start[size - 1]);
    }
}
